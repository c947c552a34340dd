import type { Finding, ScanResult, Severity } from "../engine/types.js";
import { scanNotes } from "./notes.js";
import { countBySeverity } from "./severity-counts.js";

/** Terminal output, wrapped to the terminal's width as ESLint's stylish output is. */
export interface TextOptions {
  color: boolean;
  /** Columns that prose is wrapped to (default 80). Headers, diff lines and URLs are never broken. */
  width?: number;
  /** False for `--fix-dry-run`: each finding names its fix, and the diffs follow once per file. */
  diffs?: boolean;
  /** After `--fix`: the findings whose file was written, listed as fixed; the others are what is left. */
  fixed?: ReadonlySet<Finding>;
  /** After `--fix`: files that had fixes but were left as they were (path as shown, and why). */
  notFixed?: readonly { file: string; reason: string }[];
}

const ANSI = {
  red: "\u001b[31m",
  yellow: "\u001b[33m",
  blue: "\u001b[34m",
  green: "\u001b[32m",
  dim: "\u001b[2m",
  bold: "\u001b[1m",
  reset: "\u001b[0m",
};

/*
 * C0 controls but tab, DEL, the C1 controls (U+009B alone starts an escape sequence on some terminals), and the
 * bidirectional overrides and isolates that make a line show other than what it holds. `\r\n` is matched as one, so
 * that multi-line text keeps its CRLF line ends.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE = /\r\n|[\u0000-\u0008\u000A-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/g;

/**
 * Repository text (file and Job names, messages that quote them, diffs) made safe to print on a terminal: every
 * control character is shown as an escape (`\x1b`, `\n`), so none can move the cursor, recolour, retitle the
 * window or start a line that looks like output of ours. `multiline` keeps line breaks.
 */
export function escapeControlCharacters(text: string, multiline = false): string {
  return text.replace(UNSAFE, (match) => {
    if (multiline && (match === "\n" || match === "\r\n")) return match;
    if (match === "\r\n") return "\\r\\n";
    if (match === "\n") return "\\n";
    if (match === "\r") return "\\r";
    const code = match.charCodeAt(0);
    return code < 0x100
      ? `\\x${code.toString(16).padStart(2, "0")}`
      : `\\u${code.toString(16).padStart(4, "0")}`;
  });
}

const DEFAULT_WIDTH = 80;
/** Narrower than this, wrapping would leave a word or two per line: the text is left as it is. */
const MIN_WIDTH = 40;

type Paint = (color: keyof typeof ANSI, text: string) => string;

/**
 * Terminal output: one block per finding (file:line, severity, rule, message, fix, docs), then the skipped files,
 * the notes and a summary. After `--fix`, the findings left come first, then those fixed.
 */
export function renderText(
  results: readonly { root: string | null; result: ScanResult }[],
  options: TextOptions,
): string {
  const paint: Paint = (color, text) => (options.color ? `${ANSI[color]}${text}${ANSI.reset}` : text);
  const width = Math.max(MIN_WIDTH, options.width ?? DEFAULT_WIDTH);
  const wrapAt = (text: string, first: string, rest: string) => wrap(text, width, first, rest).join("\n");
  const explained = new Set<string>();
  const fixed = options.fixed;
  const out: string[] = [];
  const fixedLines: string[] = [];
  const fixedFiles = new Set<string>();
  const left: Finding[] = [];
  let fixable = 0;
  let scanned = 0;
  let skipped = 0;
  for (const { root, result } of results) {
    const prefix = root === null ? "" : escapeControlCharacters(`${root.replace(/\/$/, "")}/`);
    for (const finding of result.findings) {
      if (fixed?.has(finding)) {
        fixedFiles.add(`${prefix}${finding.file}`);
        fixedLines.push(
          `  ${paint("bold", location(prefix, finding))}  ${finding.rule}`,
          wrapAt(safe(explainOnce(finding.fix?.description ?? "", explained)), "    ", "    "),
        );
        continue;
      }
      left.push(finding);
      if (finding.fix?.kind === "safe") fixable++;
      out.push(formatFinding(prefix, finding, { paint, wrapAt, explained, diffs: options.diffs !== false }));
    }
    scanned += result.files.scanned.length;
    skipped += result.files.skipped.length;
    for (const s of result.files.skipped)
      out.push(paint("dim", wrapAt(`${prefix}${safe(s.file)}: skipped: ${safe(s.reason)}`, "", "  ")));
    // With nothing scanned, "every manifest was assumed deployed" and the like would only hide the point.
    const notes = result.files.scanned.length === 0 ? [] : scanNotes(result);
    for (const note of notes)
      out.push(
        paint(
          "dim",
          wrapAt(`note: ${results.length > 1 && prefix !== "" ? `${prefix} ` : ""}${safe(note)}`, "", "  "),
        ),
      );
    if (results.length > 1 && result.files.scanned.length === 0)
      out.push(paint("dim", `note: ${prefix === "" ? "./" : prefix}: nothing was scanned`));
  }
  // A section after a note or skipped line, which end without a blank line, starts after one.
  const separate = () => {
    if (out.length > 0 && !(out[out.length - 1] ?? "").endsWith("\n")) out.push("");
  };
  if (fixed !== undefined && fixedLines.length > 0) {
    separate();
    const count = fixedLines.length / 2;
    out.push(
      `${paint("green", `Fixed ${plural(count, "problem")} in ${plural(fixedFiles.size, "file")}:`)}\n${fixedLines.join("\n")}\n`,
    );
  }
  const notFixed = options.notFixed ?? [];
  if (notFixed.length > 0) {
    separate();
    const lines = notFixed.map(({ file, reason }) => wrapAt(`${safe(file)}: ${safe(reason)}`, "  ", "    "));
    out.push(`${paint("yellow", `${plural(notFixed.length, "file")} not fixed:`)}\n${lines.join("\n")}\n`);
  }
  const counts = countBySeverity(left);
  const total = counts.error + counts.warning + counts.info;
  const breakdown = `(${plural(counts.error, "error")}, ${plural(counts.warning, "warning")}, ${counts.info} info)`;
  let summary: string;
  if (scanned === 0) {
    summary = paint(
      "yellow",
      skipped === 0
        ? "Nothing was scanned: no Kubernetes manifests (YAML or JSON files) were found."
        : `Nothing was scanned: ${plural(skipped, "file")} could not be analysed.`,
    );
  } else if (fixed !== undefined) {
    const fixedCount = fixedLines.length / 2;
    summary =
      `${paint(fixedCount > 0 ? "green" : "bold", `${plural(fixedCount, "problem")} fixed`)}, ` +
      (total === 0 ? "none left" : `${paint("bold", `${total} left`)} ${breakdown}`) +
      ` in ${plural(scanned, "file")}.`;
  } else if (total === 0) {
    summary = paint("green", `No problems found in ${plural(scanned, "file")}.`);
  } else {
    summary =
      `${paint("bold", plural(total, "problem"))} ${breakdown} in ${plural(scanned, "file")}` +
      (fixable > 0 ? `; ${fixable} fixable with --fix` : "") +
      ".";
  }
  if (scanned > 0 && skipped > 0) summary += ` ${plural(skipped, "file")} not (fully) analysed.`;
  out.push(wrapAt(summary, "", ""));
  return `${out.join("\n")}\n`;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

function location(prefix: string, finding: Finding): string {
  return `${prefix}${safe(finding.file)}:${finding.location.line}:${finding.location.column}`;
}

function formatFinding(
  prefix: string,
  finding: Finding,
  context: {
    paint: Paint;
    wrapAt: (text: string, first: string, rest: string) => string;
    explained: Set<string>;
    diffs: boolean;
  },
): string {
  const { paint, wrapAt } = context;
  const head = `${paint("bold", location(prefix, finding))}  ${paint(SEVERITY_COLOR[finding.severity], finding.severity)}  ${finding.rule}`;
  const lines = [head, wrapAt(safe(finding.message), "  ", "  ")];
  if (finding.fix) {
    const label = finding.fix.kind === "safe" ? "fix" : "suggestion";
    lines.push(
      wrapAt(`${label}: ${safe(explainOnce(finding.fix.description, context.explained))}`, "  ", "    "),
    );
    if (context.diffs) lines.push(indentDiff(finding.fix.diff, paint));
  } else if (finding.noFixReason) {
    lines.push(
      wrapAt(
        `no automatic fix: ${safe(finding.noFixReason.replace(/^no automatic fix: /, ""))}`,
        "  ",
        "    ",
      ),
    );
  }
  lines.push(`  ${paint("dim", safe(finding.docsUrl))}`);
  return `${lines.join("\n")}\n`;
}

const SEVERITY_COLOR: Record<Severity, keyof typeof ANSI> = { error: "red", warning: "yellow", info: "blue" };

/**
 * A fix's description without the explanation an earlier fix already gave in full. Descriptions end with the
 * strategy's trade-offs and the other strategies, the same for every Job the strategy fixes: the first sentence
 * (what this fix does) is always kept, the longest already-shown tail of whole sentences is dropped.
 */
function explainOnce(description: string, explained: Set<string>): string {
  const sentences = description.split(/(?<=\.)\s+(?=[A-Z(])/);
  for (let k = 1; k < sentences.length; k++) {
    if (explained.has(sentences.slice(k).join(" ")))
      return `${sentences.slice(0, k).join(" ")} (Trade-offs as above.)`;
  }
  for (let k = 1; k < sentences.length; k++) explained.add(sentences.slice(k).join(" "));
  return description;
}

/**
 * Prose broken at spaces so that no line is wider than `width`; `first` and `rest` indent the first and the
 * following lines. A word wider than a line (a URL, a path) stays whole: a broken one could not be copied.
 */
export function wrap(text: string, width: number, first = "", rest = first): string[] {
  const lines: string[] = [];
  let line = first;
  let empty = true;
  for (const word of text.split(" ")) {
    if (!empty && line.length + 1 + word.length > width && word !== "") {
      lines.push(line);
      line = rest + word;
    } else {
      line += empty ? word : ` ${word}`;
    }
    empty = false;
  }
  lines.push(line);
  return lines;
}

function safe(text: string): string {
  return escapeControlCharacters(text);
}

function indentDiff(diff: string, paint: Paint): string {
  return (
    diff
      .split("\n")
      .filter((line, i, all) => !(i === all.length - 1 && line === ""))
      .filter((line) => !line.startsWith("--- ") && !line.startsWith("+++ "))
      // A diff line is a line of the file: its CRLF end is dropped, anything else unsafe shown escaped.
      .map((line) => safe(line.replace(/\r$/, "")))
      .map((line) => {
        if (line.startsWith("+")) return `    ${paint("green", line)}`;
        if (line.startsWith("-")) return `    ${paint("red", line)}`;
        if (line.startsWith("@@")) return `    ${paint("dim", line)}`;
        return `    ${line}`;
      })
      .join("\n")
  );
}
