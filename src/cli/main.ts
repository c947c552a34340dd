import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { DEFAULT_CONFIG, parseConfigText, type Config } from "../config/schema.js";
import { fixRepository, scanRepository } from "../engine/scan.js";
import { SEVERITY_ORDER, type Finding, type ScanResult, type Severity } from "../engine/types.js";
import { renderGithub } from "../render/github.js";
import { renderJson } from "../render/json.js";
import { renderSarif } from "../render/sarif.js";
import { escapeControlCharacters, renderText } from "../render/text.js";
import { RULE_IDS, RULES } from "../rules/index.js";
import { readBaseFiles } from "./git-base.js";
import { gitOriginUrl, readRepository } from "./read-repository.js";
import { readRegularFile } from "./safe-fs.js";
import { writeFixes, type BeforeWrite, type WriteOutcome } from "./write-fixes.js";

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  cwd: string;
  stdoutIsTty: boolean;
  stderrIsTty: boolean;
  env: Readonly<Record<string, string | undefined>>;
  /** Runs before `--fix` checks and writes each file (tests change the file there, as if during the scan). */
  beforeFixWrite?: BeforeWrite;
}

export const EXIT = { ok: 0, findings: 1, usage: 2 } as const;

const USAGE = `Usage: argocd-job-guard scan [PATH...] [options]

Finds Kubernetes Jobs that Argo CD will fail to re-sync, and fixes them.
Each PATH is scanned as a repository root (default: the current directory).

Options:
  --format FORMAT          text (default), json, sarif (SARIF 2.1.0 for code scanning)
                           or github (GitHub Actions annotations)
  --fix                    apply safe fixes to the files
  --fix-dry-run            show the fixes as diffs, change nothing
  --config FILE            configuration file (default: PATH/.github/argocd-job-guard.yml if present)
  --base GIT-REF           also compare with GIT-REF: a change to immutable fields of a
                           plain Job is reported as the sync failure it will be
  --fail-on error|warning|info
                           lowest severity that makes the exit code 1 (default: error)
  --repo-url URL           this repository's git URL (default: the git remote "origin")
  -h, --help               show this help
  --version                print the version

Exit codes: 0 no findings at the --fail-on level, 1 findings at that level (after --fix, those left),
2 usage error, unreadable path or invalid configuration.
`;

const FORMATS = ["text", "json", "sarif", "github"] as const;
/** A configuration is a few lines: anything larger is a mistake (or /dev/zero), not something to parse. */
const MAX_CONFIG_BYTES = 1024 * 1024;
/** Below this many files a scan is quick enough that progress output would only flicker. */
const PROGRESS_MIN_FILES = 200;

function defaultIo(): CliIo {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    cwd: process.cwd(),
    stdoutIsTty: process.stdout.isTTY === true,
    stderrIsTty: process.stderr.isTTY === true,
    env: process.env,
  };
}

class UsageError extends Error {}

/** The CLI as a function: arguments and ambient I/O in, exit code out. `bin/` only calls it. */
export async function runCli(argv: readonly string[], io: CliIo = defaultIo()): Promise<number> {
  try {
    return await run(argv, io);
  } catch (error) {
    // Messages may quote arguments and repository paths: printed as text, never as terminal commands.
    const message = escapeControlCharacters(error instanceof Error ? error.message : String(error), true);
    io.stderr(`argocd-job-guard: ${message}\n${error instanceof UsageError ? `\n${USAGE}` : ""}`);
    return EXIT.usage;
  }
}

async function run(argv: readonly string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        format: { type: "string", default: "text" },
        fix: { type: "boolean", default: false },
        "fix-dry-run": { type: "boolean", default: false },
        config: { type: "string" },
        "fail-on": { type: "string", default: "error" },
        "repo-url": { type: "string" },
        base: { type: "string" },
        help: { type: "boolean", short: "h", default: false },
        version: { type: "boolean", default: false },
      },
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout(USAGE);
    return EXIT.ok;
  }
  if (values.version) {
    io.stdout(`${await packageVersion()}\n`);
    return EXIT.ok;
  }
  const [command, ...paths] = positionals;
  if (command !== "scan")
    throw new UsageError(command === undefined ? "missing command" : `unknown command "${command}"`);
  const format = values.format;
  if (!(FORMATS as readonly string[]).includes(format))
    throw new UsageError(`--format must be one of ${FORMATS.join(", ")}`);
  const failOn = values["fail-on"];
  if (!Object.hasOwn(SEVERITY_ORDER, failOn))
    throw new UsageError("--fail-on must be one of error, warning, info");
  if (values.fix && values["fix-dry-run"])
    throw new UsageError("--fix and --fix-dry-run cannot be used together");

  const roots = (paths.length > 0 ? paths : ["."]).map((p) => ({ given: p, absolute: resolve(io.cwd, p) }));
  const results: { root: string | null; result: ScanResult }[] = [];
  const diffs: string[] = [];
  const written: { root: string | null; outcome: WriteOutcome }[] = [];
  const resolved = new Set<Finding>();
  for (const root of roots) {
    const config = await loadConfig(
      values.config === undefined ? null : resolve(io.cwd, values.config),
      root.absolute,
    );
    const repository = await readRepository(root.absolute, { maxFileBytes: config.limits.maxFileBytes });
    const repoUrl = values["repo-url"] ?? (await gitOriginUrl(root.absolute));
    const baseFiles = values.base === undefined ? undefined : await readBaseFiles(root.absolute, values.base);
    const progress =
      io.stderrIsTty && repository.files.length >= PROGRESS_MIN_FILES
        ? progressReporter(io, root.given)
        : undefined;
    const input = {
      rules: RULES,
      files: repository.files,
      tree: repository.tree,
      unread: repository.unread,
      repoUrl,
      config,
      ...(baseFiles ? { baseFiles } : {}),
      ...(progress ? { onProgress: progress } : {}),
    };
    let result: ScanResult;
    if (values.fix || values["fix-dry-run"]) {
      const { result: scanned, fixes } = fixRepository(input);
      result = scanned;
      for (const fix of fixes) diffs.push(fix.diff);
      if (values.fix) {
        const readBytes = new Map<string, Uint8Array>();
        for (const file of repository.files)
          if (typeof file.content !== "string") readBytes.set(file.path, file.content);
        const outcomes = await writeFixes(root.absolute, fixes, readBytes, io.beforeFixWrite);
        outcomes.forEach((outcome, i) => {
          written.push({ root: roots.length > 1 ? root.given : null, outcome });
          if (outcome.written) for (const finding of fixes[i]?.resolved ?? []) resolved.add(finding);
        });
      }
    } else {
      result = scanRepository(input);
    }
    if (progress) io.stderr("\r\u001b[K");
    results.push({ root: roots.length > 1 ? root.given : null, result });
  }

  if (format === "json") {
    io.stdout(`${JSON.stringify(renderJson(results), null, 2)}\n`);
  } else if (format === "sarif") {
    io.stdout(`${JSON.stringify(renderSarif(results, RULES, await packageVersion()), null, 2)}\n`);
  } else if (format === "github") {
    io.stdout(renderGithub(results));
  } else {
    io.stdout(renderText(results, { color: io.stdoutIsTty && io.env.NO_COLOR === undefined }));
    if (values["fix-dry-run"])
      io.stdout(
        diffs.length > 0
          ? `\nFixes that --fix would apply:\n${escapeControlCharacters(diffs.join(""), true)}`
          : "\nNo safe fixes to apply.\n",
      );
    if (values.fix) io.stdout(`\n${fixReport(written)}`);
  }
  if (format !== "text" && values.fix && written.some(({ outcome }) => !outcome.written)) {
    // stdout holds the machine-readable report; which files were left alone goes beside it.
    io.stderr(fixReport(written));
  }
  const threshold = SEVERITY_ORDER[failOn as Severity];
  const failing = results.some(({ result }) =>
    result.findings.some((f) => SEVERITY_ORDER[f.severity] >= threshold && !resolved.has(f)),
  );
  return failing ? EXIT.findings : EXIT.ok;
}

/** A one-line counter on stderr, redrawn in place, at most every 100 files. */
function progressReporter(io: CliIo, root: string): (done: number, total: number) => void {
  return (done, total) => {
    if (done % 100 === 0 || done === total)
      io.stderr(`\r\u001b[Kargocd-job-guard: ${escapeControlCharacters(root)}: ${done}/${total} files`);
  };
}

/** What `--fix` did, file by file: those written, then those left alone and why. */
function fixReport(written: readonly { root: string | null; outcome: WriteOutcome }[]): string {
  const name = ({ root, outcome }: { root: string | null; outcome: WriteOutcome }) =>
    escapeControlCharacters(`${root === null ? "" : `${root.replace(/\/+$/, "")}/`}${outcome.path}`);
  const fixed = written.filter(({ outcome }) => outcome.written);
  const failed = written.filter(({ outcome }) => !outcome.written);
  const lines = [`${fixed.length} file${fixed.length === 1 ? "" : "s"} fixed${fixed.length > 0 ? ":" : "."}`];
  for (const entry of fixed) lines.push(`  ${name(entry)}`);
  if (failed.length > 0) {
    lines.push(`${failed.length} file${failed.length === 1 ? "" : "s"} not fixed:`);
    for (const entry of failed)
      lines.push(`  ${name(entry)}: ${escapeControlCharacters(entry.outcome.reason ?? "not written")}`);
  }
  return `${lines.join("\n")}\n`;
}

/**
 * The explicit `--config`, else the repository's own when there is one. A path that exists but is not a regular
 * file of reasonable size is an error: falling back to the defaults would scan with rules the user turned off.
 */
async function loadConfig(explicit: string | null, root: string): Promise<Config> {
  const candidates = explicit
    ? [explicit]
    : [join(root, ".github", "argocd-job-guard.yml"), join(root, ".github", "argocd-job-guard.yaml")];
  for (const path of candidates) {
    const outcome = await readRegularFile(path, { maxBytes: MAX_CONFIG_BYTES, followSymlinks: true });
    if (!outcome.ok) {
      const absent = !outcome.tooLarge && (outcome.code === "ENOENT" || outcome.code === "ENOTDIR");
      if (absent && !explicit) continue;
      throw new Error(
        `cannot read config ${path}: ${outcome.tooLarge ? "larger than 1 MiB" : outcome.reason}`,
      );
    }
    const result = parseConfigText(outcome.content.toString("utf8"), path, RULE_IDS);
    if (!result.ok) throw new Error(`invalid configuration:\n  ${result.errors.join("\n  ")}`);
    return result.config;
  }
  return DEFAULT_CONFIG;
}

async function packageVersion(): Promise<string> {
  const text = await readFile(new URL("../../package.json", import.meta.url), "utf8");
  return (JSON.parse(text) as { version: string }).version;
}
