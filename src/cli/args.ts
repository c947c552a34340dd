import { parseArgs } from "node:util";

export const USAGE = `Usage: argocd-job-guard scan [PATH...] [options]
       argocd-job-guard help | -h | --help
       argocd-job-guard -v | --version

Finds Kubernetes Jobs that Argo CD will fail to re-sync, and fixes them.
Each PATH is a repository root (default: the current directory) or a file. A
file is scanned with the Applications of the repository it is in (the top of
its git checkout, else its own directory).

Options:
  --format FORMAT     text (default), json, sarif (SARIF 2.1.0 for code
                      scanning) or github (GitHub Actions annotations)
  --fix               apply the safe fixes, then list what was fixed and what
                      is left
  --fix-dry-run       show the fixes as diffs, change nothing
  --config FILE       configuration file (default:
                      PATH/.github/argocd-job-guard.yml when present)
  --base GIT-REF      also compare with the merge base of HEAD and GIT-REF (what
                      git diff GIT-REF...HEAD and a pull request compare with):
                      a change to immutable fields of a plain Job is reported as
                      the sync failure it will be
  --fail-on LEVEL     error, warning or info: the lowest severity that makes the
                      exit code 1 (default: error)
  --fail-on-empty     exit code 1 when a PATH holds no manifest to scan
  --repo-url URL      this repository's git URL (default: the git remote
                      "origin")
  -h, --help          show this help
  -v, --version       print the version

Text output is wrapped to the terminal's width (COLUMNS when set; 80 when
stdout is not a terminal).

Exit codes: 0 nothing at the --fail-on level, 1 findings at that level (after
--fix, those left), 2 usage error, unreadable PATH or invalid configuration.
`;

const OPTIONS = {
  format: { type: "string", default: "text" },
  fix: { type: "boolean", default: false },
  "fix-dry-run": { type: "boolean", default: false },
  config: { type: "string" },
  "fail-on": { type: "string", default: "error" },
  "fail-on-empty": { type: "boolean", default: false },
  "repo-url": { type: "string" },
  base: { type: "string" },
  help: { type: "boolean", short: "h", default: false },
  version: { type: "boolean", short: "v", default: false },
} as const;

const COMMANDS = ["scan", "help", "version"] as const;
export const FORMATS = ["text", "json", "sarif", "github"] as const;
const SEVERITIES = ["error", "warning", "info"] as const;

/** A mistake in the command line: said in one line with what to do, without the whole help. */
export class UsageError extends Error {
  constructor(
    message: string,
    /** Print the help after the message (when nothing at all was asked). */
    readonly showUsage = false,
  ) {
    super(message);
  }
}

export type CommandLine =
  | { command: "help" }
  | { command: "version" }
  | {
      command: "scan";
      paths: string[];
      format: (typeof FORMATS)[number];
      fix: boolean;
      fixDryRun: boolean;
      config: string | undefined;
      failOn: (typeof SEVERITIES)[number];
      failOnEmpty: boolean;
      repoUrl: string | undefined;
      base: string | undefined;
    };

/**
 * The command line, checked: an unknown option is named with the nearest known one, a PATH given without `scan`
 * gets the command that scans it. `isPath` tells whether an argument names an existing file or directory.
 */
export function parseCommandLine(argv: readonly string[], isPath: (arg: string) => boolean): CommandLine {
  checkOptionNames(argv);
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], allowPositionals: true, strict: true, options: OPTIONS });
  } catch (error) {
    // parseArgs says what is wrong and how to write it; its hint about "--" is not worth a second line.
    const message = error instanceof Error ? error.message : String(error);
    throw new UsageError(message.replace(/\.? ?To specify a positional argument.*$/s, ""));
  }
  const { values, positionals } = parsed;
  const [command, ...paths] = positionals;
  if (values.help || command === "help") return { command: "help" };
  if (values.version || command === "version") return { command: "version" };
  if (command === undefined) throw new UsageError("missing command", true);
  if (command !== "scan") throw new UsageError(unknownCommand(command, isPath(command)));
  const format = values.format;
  if (!isOneOf(FORMATS, format))
    throw new UsageError(`--format must be one of ${FORMATS.join(", ")}${didYouMean(format, FORMATS, "")}`);
  const failOn = values["fail-on"];
  if (!isOneOf(SEVERITIES, failOn))
    throw new UsageError(
      `--fail-on must be one of ${SEVERITIES.join(", ")}${didYouMean(failOn, SEVERITIES, "")}`,
    );
  if (values.fix && values["fix-dry-run"])
    throw new UsageError("--fix and --fix-dry-run cannot be used together");
  return {
    command: "scan",
    paths,
    format,
    fix: values.fix,
    fixDryRun: values["fix-dry-run"],
    config: values.config,
    failOn,
    failOnEmpty: values["fail-on-empty"],
    repoUrl: values["repo-url"],
    base: values.base,
  };
}

function isOneOf<T extends string>(list: readonly T[], value: string): value is T {
  return (list as readonly string[]).includes(value);
}

/** Names the first option this command does not know, before parseArgs would (it suggests nothing). */
function checkOptionNames(argv: readonly string[]): void {
  const shorts = new Map<string, string>();
  for (const [name, spec] of Object.entries(OPTIONS)) if ("short" in spec) shorts.set(spec.short, name);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    if (arg === "--") return;
    if (!arg.startsWith("-") || arg === "-") continue;
    if (arg.startsWith("--")) {
      const name = arg.slice(2).split("=")[0] ?? "";
      if (!Object.hasOwn(OPTIONS, name))
        throw new UsageError(`unknown option --${name}${didYouMean(name, Object.keys(OPTIONS), "--")}`);
      // The next argument is this option's value, even when it starts with "-".
      if (OPTIONS[name as keyof typeof OPTIONS].type === "string" && !arg.includes("=")) i++;
      continue;
    }
    for (const letter of arg.slice(1))
      if (!shorts.has(letter)) {
        const long = Object.keys(OPTIONS).find((name) => name.startsWith(arg.slice(1)));
        throw new UsageError(
          `unknown option -${letter}${long === undefined ? "" : ` (did you mean --${long}?)`}`,
        );
      }
  }
}

function unknownCommand(command: string, isPath: boolean): string {
  if (isPath || /[/\\.]/.test(command))
    return `"${command}" is not a command; to scan it, run: argocd-job-guard scan ${command}`;
  const suggestion = didYouMean(command, COMMANDS, "");
  return `unknown command "${command}"${suggestion === "" ? '; the command that scans is "scan"' : suggestion}`;
}

/** ` (did you mean X?)` for the nearest candidate within a typo or two, or for the one it abbreviates. */
export function didYouMean(given: string, candidates: readonly string[], prefix: string): string {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(given.toLowerCase(), candidate);
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  const limit = Math.max(1, Math.min(3, Math.floor(given.length / 3)));
  if (best === undefined || bestDistance > limit)
    best = given.length >= 3 ? candidates.find((c) => c.startsWith(given.toLowerCase())) : undefined;
  return best === undefined ? "" : ` (did you mean ${prefix}${best}?)`;
}

/** Damerau-Levenshtein (optimal string alignment): a swapped pair of letters is one typo, as in "sacn". */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number) => d[i]?.[j] ?? Infinity;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        value = Math.min(value, at(i - 2, j - 2) + 1);
      (d[i] as number[])[j] = value;
    }
  }
  return at(a.length, b.length);
}
