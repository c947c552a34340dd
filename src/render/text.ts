import type { Finding, ScanResult, Severity } from "../engine/types.js";
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
    const prefix = root === null ? "" : `${root.replace(/\/$/, "")}/`;
    for (const finding of result.findings) {
      if (finding.fix?.kind === "safe") fixable++;
      out.push(formatFinding(prefix, finding, paint, severityColor));
    }
    scanned += result.files.scanned.length;
    skipped += result.files.skipped.length;
    for (const s of result.files.skipped)
      out.push(`${paint("dim", `${prefix}${s.file}: skipped: ${s.reason}`)}`);
    for (const note of result.notes)
      out.push(paint("dim", `note: ${prefix === "" ? "" : `${prefix} `}${note}`));
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
  const head = `${paint("bold", `${prefix}${finding.file}:${finding.location.line}:${finding.location.column}`)}  ${paint(severityColor[finding.severity], finding.severity)}  ${finding.rule}`;
  const lines = [head, `  ${finding.message}`];
  if (finding.fix) {
    lines.push(`  ${finding.fix.kind === "safe" ? "fix" : "suggestion"}: ${finding.fix.description}`);
    lines.push(indentDiff(finding.fix.diff, paint));
  } else if (finding.noFixReason) {
    lines.push(`  no automatic fix: ${finding.noFixReason.replace(/^no automatic fix: /, "")}`);
  }
  lines.push(`  ${paint("dim", finding.docsUrl)}`);
  return `${lines.join("\n")}\n`;
}

function indentDiff(diff: string, paint: (color: keyof typeof ANSI, text: string) => string): string {
  return diff
    .split("\n")
    .filter((line, i, all) => !(i === all.length - 1 && line === ""))
    .filter((line) => !line.startsWith("--- ") && !line.startsWith("+++ "))
    .map((line) => {
      if (line.startsWith("+")) return `    ${paint("green", line)}`;
      if (line.startsWith("-")) return `    ${paint("red", line)}`;
      if (line.startsWith("@@")) return `    ${paint("dim", line)}`;
      return `    ${line}`;
    })
    .join("\n");
}
