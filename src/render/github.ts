import type { ScanResult, Severity } from "../engine/types.js";
import { scanNotes } from "./notes.js";
import { escapeControlCharacters } from "./text.js";

/**
 * GitHub Actions workflow commands (`::error file=…,line=…::message`): annotations in a workflow run with nothing
 * but the CLI. Escaping follows the runner's rules (actions/toolkit command.ts): `%`, CR and LF in data; also `:`
 * and `,` in properties. So no name or message can end a command and start another: a newline in a Job name is
 * `%0A`, part of the annotation. Other control characters are shown as escapes (the log renders ANSI sequences).
 */
const COMMAND: Record<Severity, string> = { error: "error", warning: "warning", info: "notice" };

export function renderGithub(results: readonly { root: string | null; result: ScanResult }[]): string {
  const lines: string[] = [];
  for (const { root, result } of results) {
    const prefix = root === null || root === "." ? "" : `${root.replace(/\/+$/, "").replace(/^\.\//, "")}/`;
    for (const f of result.findings) {
      const properties = [
        `file=${escapeProperty(prefix + f.file)}`,
        `line=${f.location.line}`,
        `col=${f.location.column}`,
        `endLine=${f.location.endLine}`,
        `title=${escapeProperty(`argocd-job-guard ${f.rule}`)}`,
      ].join(",");
      const fix = f.fix ? `\n${f.fix.kind === "safe" ? "Fix" : "Suggestion"}: ${f.fix.description}` : "";
      lines.push(`::${COMMAND[f.severity]} ${properties}::${escapeData(`${f.message}${fix}\n${f.docsUrl}`)}`);
    }
    for (const skipped of result.files.skipped) {
      lines.push(
        `::warning file=${escapeProperty(prefix + skipped.file)},title=${escapeProperty("argocd-job-guard: not analysed")}::${escapeData(skipped.reason)}`,
      );
    }
    for (const note of scanNotes(result)) {
      const where = prefix === "" ? "" : `${prefix.replace(/\/$/, "")}: `;
      lines.push(`::notice title=${escapeProperty("argocd-job-guard: note")}::${escapeData(where + note)}`);
    }
  }
  return lines.length > 0 ? `${lines.join("\n")}\n` : "";
}

function escapeData(text: string): string {
  return escapeControlCharacters(text.replaceAll("%", "%25").replaceAll("\r", "%0D").replaceAll("\n", "%0A"));
}

function escapeProperty(text: string): string {
  return escapeData(text).replaceAll(":", "%3A").replaceAll(",", "%2C");
}
