import type { Finding, ScanResult, Severity } from "../engine/types.js";
import { scanNotes } from "./notes.js";
import { countBySeverity } from "./severity-counts.js";

export interface TextOptions {
  color: boolean;
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

/** Terminal output: one block per finding (file:line, severity, rule, message, fix diff, docs), then a summary. */
export function renderText(
  results: readonly { root: string | null; result: ScanResult }[],
  options: TextOptions,
): string {
  const paint = (color: keyof typeof ANSI, text: string) =>
    options.color ? `${ANSI[color]}${text}${ANSI.reset}` : text;
  const severityColor: Record<Severity, keyof typeof ANSI> = {
    error: "red",
    warning: "yellow",
    info: "blue",
  };
  const out: string[] = [];
  const counts = countBySeverity(results.flatMap(({ result }) => result.findings));
  let fixable = 0;
  let scanned = 0;
  let skipped = 0;
  for (const { root, result } of results) {
    const prefix = root === null ? "" : escapeControlCharacters(`${root.replace(/\/$/, "")}/`);
    for (const finding of result.findings) {
      if (finding.fix?.kind === "safe") fixable++;
      out.push(formatFinding(prefix, finding, paint, severityColor));
    }
    scanned += result.files.scanned.length;
    skipped += result.files.skipped.length;
    for (const s of result.files.skipped)
      out.push(paint("dim", `${prefix}${safe(s.file)}: skipped: ${safe(s.reason)}`));
    for (const note of scanNotes(result))
      out.push(paint("dim", `note: ${prefix === "" ? "" : `${prefix} `}${safe(note)}`));
  }
  const total = counts.error + counts.warning + counts.info;
  const summary =
    total === 0
      ? paint("green", `No problems found in ${scanned} file${scanned === 1 ? "" : "s"}.`)
      : `${paint("bold", `${total} problem${total === 1 ? "" : "s"}`)} (${counts.error} error${counts.error === 1 ? "" : "s"}, ${counts.warning} warning${counts.warning === 1 ? "" : "s"}, ${counts.info} info) in ${scanned} files` +
        (fixable > 0 ? `; ${fixable} fixable with --fix` : "") +
        ".";
  out.push(
    summary + (skipped > 0 ? ` ${skipped} file${skipped === 1 ? "" : "s"} not (fully) analysed.` : ""),
  );
  return `${out.join("\n")}\n`;
}

function formatFinding(
  prefix: string,
  finding: Finding,
  paint: (color: keyof typeof ANSI, text: string) => string,
  severityColor: Record<Severity, keyof typeof ANSI>,
): string {
  const head = `${paint("bold", `${prefix}${safe(finding.file)}:${finding.location.line}:${finding.location.column}`)}  ${paint(severityColor[finding.severity], finding.severity)}  ${finding.rule}`;
  const lines = [head, `  ${safe(finding.message)}`];
  if (finding.fix) {
    lines.push(`  ${finding.fix.kind === "safe" ? "fix" : "suggestion"}: ${safe(finding.fix.description)}`);
    lines.push(indentDiff(finding.fix.diff, paint));
  } else if (finding.noFixReason) {
    lines.push(`  no automatic fix: ${safe(finding.noFixReason.replace(/^no automatic fix: /, ""))}`);
  }
  lines.push(`  ${paint("dim", safe(finding.docsUrl))}`);
  return `${lines.join("\n")}\n`;
}

function safe(text: string): string {
  return escapeControlCharacters(text);
}

function indentDiff(diff: string, paint: (color: keyof typeof ANSI, text: string) => string): string {
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
