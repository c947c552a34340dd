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
  // Built from pieces in one pass: splicing each edit into the whole text made many edits quadratic.
  const pieces: string[] = [];
  let at = 0;
  for (const edit of applied) {
    pieces.push(text.slice(at, edit.start), edit.text);
    at = edit.end;
  }
  pieces.push(text.slice(at));
  return { text: pieces.join(""), applied, rejected };
}

/**
 * Takes each group of edits (one fix) that conflicts with none taken before it, in order. Two edits conflict when
 * they touch the same text or insert at the same place (their order is unknown). The taken edits are kept sorted,
 * so each test is a binary search instead of a walk over all of them.
 */
export function takeNonConflicting(groups: readonly (readonly TextEdit[])[]): TextEdit[] {
  const taken: TextEdit[] = [];
  const firstAtOrAfter = (start: number) => {
    let low = 0;
    let high = taken.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if ((taken[mid]?.start ?? 0) < start) low = mid + 1;
      else high = mid;
    }
    return low;
  };
  const conflicts = (x: TextEdit) => {
    const i = firstAtOrAfter(x.start);
    const before = taken[i - 1];
    const after = taken[i];
    // Taken edits never overlap one another, so only the neighbours around x.start can touch it.
    if (before && x.start < before.end) return true;
    return after !== undefined && (after.start === x.start || after.start < x.end);
  };
  for (const group of groups) {
    if (group.some(conflicts)) continue;
    for (const edit of group) taken.splice(firstAtOrAfter(edit.start), 0, edit);
  }
  return taken;
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
