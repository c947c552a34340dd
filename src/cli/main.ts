import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { DEFAULT_CONFIG, parseConfigText, type Config } from "../config/schema.js";
import { fixRepository, scanRepository } from "../engine/scan.js";
import { SEVERITY_ORDER, type Finding, type ScanResult } from "../engine/types.js";
import { renderGithub } from "../render/github.js";
import { renderJson } from "../render/json.js";
import { renderSarif } from "../render/sarif.js";
import { escapeControlCharacters, renderText } from "../render/text.js";
import { RULE_IDS, RULES } from "../rules/index.js";
import { parseCommandLine, USAGE, UsageError } from "./args.js";
import { readBaseFiles } from "./git-base.js";
import { gitOriginUrl, readRepository } from "./read-repository.js";
import { readRegularFile } from "./safe-fs.js";
import { resolveTarget, shownFrom, type ScanTarget } from "./targets.js";
import { writeFixes, type BeforeWrite, type WriteOutcome } from "./write-fixes.js";

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  cwd: string;
  stdoutIsTty: boolean;
  stderrIsTty: boolean;
  env: Readonly<Record<string, string | undefined>>;
  /** The terminal's width when stdout is one; text output is wrapped to it (COLUMNS in `env` wins). */
  columns?: number;
  /** Runs before `--fix` checks and writes each file (tests change the file there, as if during the scan). */
  beforeFixWrite?: BeforeWrite;
}

export const EXIT = { ok: 0, findings: 1, usage: 2 } as const;

/** A configuration is a few lines: anything larger is a mistake (or /dev/zero), not something to parse. */
const MAX_CONFIG_BYTES = 1024 * 1024;
/** Below this many files a scan is quick enough that progress output would only flicker. */
const PROGRESS_MIN_FILES = 200;
/** Text output's width when stdout is not a terminal and COLUMNS is not set (ESLint's and most tools' choice). */
const DEFAULT_COLUMNS = 80;

/**
 * Writes to a standard stream until its reader goes away: `argocd-job-guard scan | head` closes the pipe early,
 * and the EPIPE that follows ends the output, quietly, instead of surfacing as an unhandled error with a stack.
 */
export function pipeSafeWriter(stream: NodeJS.WriteStream): (text: string) => void {
  let closed = false;
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (closed || error.code === "EPIPE") {
      closed = true;
      return;
    }
    throw error;
  });
  return (text) => {
    if (!closed) stream.write(text);
  };
}

function defaultIo(): CliIo {
  return {
    stdout: pipeSafeWriter(process.stdout),
    stderr: pipeSafeWriter(process.stderr),
    cwd: process.cwd(),
    stdoutIsTty: process.stdout.isTTY === true,
    stderrIsTty: process.stderr.isTTY === true,
    env: process.env,
    ...(process.stdout.isTTY ? { columns: process.stdout.columns } : {}),
  };
}

/** The CLI as a function: arguments and ambient I/O in, exit code out. `bin/` only calls it. */
export async function runCli(argv: readonly string[], io: CliIo = defaultIo()): Promise<number> {
  try {
    return await run(argv, io);
  } catch (error) {
    // Messages may quote arguments and repository paths: printed as text, never as terminal commands.
    const message = escapeControlCharacters(error instanceof Error ? error.message : String(error), true);
    let advice = "";
    if (error instanceof UsageError)
      advice = error.showUsage ? `\n${USAGE}` : 'Run "argocd-job-guard --help" for the options.\n';
    io.stderr(`argocd-job-guard: ${message}\n${advice}`);
    return EXIT.usage;
  }
}

/** The width text output is wrapped to: COLUMNS when set (as `ls` and ESLint read it), the terminal's, else 80. */
function outputWidth(io: CliIo): number {
  const fromEnv = Number.parseInt(io.env.COLUMNS ?? "", 10);
  if (Number.isInteger(fromEnv) && fromEnv > 0) return fromEnv;
  if (io.stdoutIsTty && io.columns !== undefined && io.columns > 0) return io.columns;
  return DEFAULT_COLUMNS;
}

interface Scanned {
  /** The root as JSON and SARIF name it with several PATHs: the PATH given (a file's repository for a file). */
  label: string;
  /** The root as text output shows it: relative to the current directory, so that the paths shown open. */
  shown: string;
  result: ScanResult;
}

async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const line = parseCommandLine(argv, (arg) => existsSync(resolve(io.cwd, arg)));
  if (line.command === "help") {
    io.stdout(USAGE);
    return EXIT.ok;
  }
  if (line.command === "version") {
    io.stdout(`${await packageVersion()}\n`);
    return EXIT.ok;
  }
  const { format } = line;

  const targets: ScanTarget[] = [];
  for (const given of line.paths.length > 0 ? line.paths : ["."])
    targets.push(await resolveTarget(io.cwd, given));
  const scans: Scanned[] = [];
  const diffs: string[] = [];
  const written: { shown: string; outcome: WriteOutcome }[] = [];
  const resolved = new Set<Finding>();
  for (const target of targets) {
    const config = await loadConfig(
      line.config === undefined ? null : resolve(io.cwd, line.config),
      target.root,
    );
    const repository = await readRepository(target.root, { maxFileBytes: config.limits.maxFileBytes });
    const repoUrl = line.repoUrl ?? (await gitOriginUrl(target.root));
    const baseFiles = line.base === undefined ? undefined : await readBaseFiles(target.root, line.base);
    const shown = shownFrom(io.cwd, target.root);
    const progress =
      io.stderrIsTty && repository.files.length >= PROGRESS_MIN_FILES
        ? progressReporter(io, target.given)
        : undefined;
    const input = {
      files: repository.files,
      tree: repository.tree,
      unread: repository.unread,
      repoUrl,
      config,
      rules: RULES,
      ...(baseFiles ? { baseFiles } : {}),
      ...(target.file === null ? {} : { targets: [target.file] }),
      ...(progress ? { onProgress: progress } : {}),
    };
    let result: ScanResult;
    if (line.fix || line.fixDryRun) {
      const { result: scanned, fixes } = fixRepository(input);
      result = scanned;
      for (const fix of fixes) diffs.push(fix.diff);
      if (line.fix) {
        const readBytes = new Map<string, Uint8Array>();
        for (const file of repository.files)
          if (typeof file.content !== "string") readBytes.set(file.path, file.content);
        const outcomes = await writeFixes(target.root, fixes, readBytes, io.beforeFixWrite);
        outcomes.forEach((outcome, i) => {
          written.push({ shown, outcome });
          if (outcome.written) for (const finding of fixes[i]?.resolved ?? []) resolved.add(finding);
        });
      }
    } else {
      result = scanRepository(input);
    }
    if (progress) io.stderr("\r\u001b[K");
    if (target.file !== null) result = onlyFile(result, target.file);
    scans.push({ label: target.file === null ? target.given : shown === "" ? "." : shown, shown, result });
  }

  const several = scans.length > 1;
  const results = scans.map(({ label, result }) => ({ root: several ? label : null, result }));
  const fixed = line.fix ? resolved : undefined;
  if (format === "json") {
    io.stdout(`${JSON.stringify(renderJson(results, fixed ? { fixed } : {}), null, 2)}\n`);
  } else if (format === "sarif") {
    io.stdout(`${JSON.stringify(renderSarif(results, RULES, await packageVersion()), null, 2)}\n`);
  } else if (format === "github") {
    io.stdout(renderGithub(results));
  } else {
    const shownResults = scans.map(({ shown, result }) => ({ root: shown === "" ? null : shown, result }));
    const width = outputWidth(io);
    const color = io.stdoutIsTty && io.env.NO_COLOR === undefined;
    const notFixed = written
      .filter(({ outcome }) => !outcome.written)
      .map(({ shown, outcome }) => ({
        file: shownPath(shown, outcome.path),
        reason: outcome.reason ?? "not written",
      }));
    io.stdout(
      renderText(shownResults, {
        color,
        width,
        diffs: !line.fixDryRun,
        ...(fixed ? { fixed, notFixed } : {}),
      }),
    );
    if (line.fixDryRun)
      io.stdout(
        diffs.length > 0
          ? `\nFixes that --fix would apply:\n${escapeControlCharacters(diffs.join(""), true)}`
          : "\nNo safe fixes to apply.\n",
      );
  }
  if (format !== "text") {
    const notWritten = written.filter(({ outcome }) => !outcome.written);
    // stdout holds the machine-readable report; what needs a person's attention goes beside it.
    if (notWritten.length > 0) io.stderr(notFixedReport(notWritten));
    // Only a PATH without a single manifest (a wrong path, most likely); files that could not be analysed are
    // already in the report's skipped list.
    for (const { label, result } of scans)
      if (result.files.scanned.length === 0 && result.files.skipped.length === 0)
        io.stderr(
          `argocd-job-guard: ${escapeControlCharacters(label)}: nothing was scanned (no manifest found)\n`,
        );
  }
  const threshold = SEVERITY_ORDER[line.failOn];
  const failing = scans.some(({ result }) =>
    result.findings.some((f) => SEVERITY_ORDER[f.severity] >= threshold && !resolved.has(f)),
  );
  const empty = line.failOnEmpty && scans.some(({ result }) => result.files.scanned.length === 0);
  return failing || empty ? EXIT.findings : EXIT.ok;
}

/** A scan of one file's repository, narrowed to that file: the engine reported only on it, the counts follow. */
function onlyFile(result: ScanResult, file: string): ScanResult {
  return {
    ...result,
    files: {
      scanned: result.files.scanned.filter((path) => path === file),
      skipped: result.files.skipped.filter((skipped) => skipped.file === file),
    },
  };
}

/** A one-line counter on stderr, redrawn in place, at most every 100 files. */
function progressReporter(io: CliIo, root: string): (done: number, total: number) => void {
  return (done, total) => {
    if (done % 100 === 0 || done === total)
      io.stderr(`\r\u001b[Kargocd-job-guard: ${escapeControlCharacters(root)}: ${done}/${total} files`);
  };
}

function shownPath(shownRoot: string, path: string): string {
  return shownRoot === "" ? path : `${shownRoot.replace(/\/+$/, "")}/${path}`;
}

/** The files `--fix` had fixes for but left as they were, and why: their findings are still there. */
function notFixedReport(entries: readonly { shown: string; outcome: WriteOutcome }[]): string {
  const lines = [`${entries.length} file${entries.length === 1 ? "" : "s"} not fixed:`];
  for (const { shown, outcome } of entries)
    lines.push(
      `  ${escapeControlCharacters(shownPath(shown, outcome.path))}: ${escapeControlCharacters(outcome.reason ?? "not written")}`,
    );
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
