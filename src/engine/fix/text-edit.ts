import { FILE_HEADERS_ONLY, formatPatch, structuredPatch } from "diff";
import type { TextEdit } from "../types.js";

/**
 * Applies edits to the text they were computed on. Edits are applied from the end so offsets stay valid;
 * overlapping edits are refused (the caller retries them in a later pass), as ESLint's SourceCodeFixer does.
 * @example applyEdits("a\n", [{ start: 2, end: 2, text: "b\n" }]) // { text: "a\nb\n", applied: [...], rejected: [] }
 */
export function applyEdits(
  text: string,
  edits: readonly TextEdit[],
): { text: string; applied: TextEdit[]; rejected: TextEdit[] } {
  const sorted = [...edits].sort((a, b) => a.start - b.start || a.end - b.end);
  const applied: TextEdit[] = [];
  const rejected: TextEdit[] = [];
  let lastEnd = -1;
  for (const edit of sorted) {
    if (edit.start < lastEnd || edit.start > edit.end || edit.end > text.length) {
      rejected.push(edit);
      continue;
    }
    applied.push(edit);
    lastEnd = Math.max(lastEnd, edit.end);
  }
  let result = text;
  for (const edit of [...applied].reverse()) {
    result = result.slice(0, edit.start) + edit.text + result.slice(edit.end);
  }
  return { text: result, applied, rejected };
}

/** Two sets of edits conflict when they touch the same text, or insert at the same place (their order is unknown). */
export function editsConflict(a: readonly TextEdit[], b: readonly TextEdit[]): boolean {
  return a.some((x) => b.some((y) => (x.start < y.end && y.start < x.end) || x.start === y.start));
}

/**
 * A unified diff with `a/` and `b/` headers, as git prints it. `lineOffset` places a diff of an excerpt (one YAML
 * document) at its lines in the whole file.
 */
export function unifiedDiff(path: string, before: string, after: string, lineOffset = 0): string {
  const patch = structuredPatch(`a/${path}`, `b/${path}`, before, after, "", "", { context: 3 });
  for (const hunk of patch.hunks) {
    hunk.oldStart += lineOffset;
    hunk.newStart += lineOffset;
  }
  return formatPatch(patch, FILE_HEADERS_ONLY);
}
