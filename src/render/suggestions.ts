import { diffLines } from "diff";

/**
 * One GitHub suggestion: "Commit suggestion" replaces the head file's lines `startLine..endLine` with `body`'s
 * lines, whatever their number. Applying every suggestion of a file gives exactly the fixed text they were made
 * from.
 */
export interface Suggestion {
  startLine: number;
  endLine: number;
  /** The replacement lines, without the line break that ends the last one (GitHub keeps the range's own). */
  body: string;
}

/**
 * The suggestions that turn `before` into `after` (a file as `scan --fix` writes it), one per changed region.
 * GitHub can only replace lines, so an insertion repeats the line above it (the first line, for an insertion at
 * the top) and a deletion takes in its neighbour. Returns null when the regions cannot be written as suggestions
 * that give `after` byte for byte (CRLF line ends, which a comment body does not keep): the caller then offers
 * no suggestion rather than a wrong one.
 * @example suggestionsFor("a\nb\n", "a\nx\nb\n") // [{ startLine: 1, endLine: 1, body: "a\nx" }]
 */
export function suggestionsFor(before: string, after: string): Suggestion[] | null {
  if (before.includes("\r") || after.includes("\r")) return null;
  const lines = splitLines(before);
  const suggestions: Suggestion[] = [];
  let line = 1;
  let region: { start: number; removed: number; added: string } | null = null;
  const close = () => {
    if (region) suggestions.push(toSuggestion(lines, region));
    region = null;
  };
  for (const change of diffLines(before, after)) {
    const count = splitLines(change.value).length;
    if (!change.added && !change.removed) {
      close();
      line += count;
      continue;
    }
    region ??= { start: line, removed: 0, added: "" };
    if (change.removed) {
      region.removed += count;
      line += count;
    } else region.added += change.value;
  }
  close();
  try {
    return applySuggestions(before, suggestions) === after ? suggestions : null;
  } catch {
    return null;
  }
}

function toSuggestion(lines: readonly string[], region: { start: number; removed: number; added: string }) {
  let startLine = region.start;
  let endLine = region.start + region.removed - 1;
  let replacement = region.added;
  if (region.removed === 0 || replacement === "") {
    // Nothing to replace (an insertion) or nothing to put back (a deletion): take in a neighbouring line.
    if (startLine > 1) {
      startLine -= 1;
      replacement = (lines[startLine - 1] ?? "") + replacement;
    } else {
      endLine += 1;
      replacement += lines[endLine - 1] ?? "";
    }
  }
  return { startLine, endLine, body: replacement.endsWith("\n") ? replacement.slice(0, -1) : replacement };
}

/**
 * What GitHub does when every suggestion is committed: each replaces its lines with its body's lines. Suggestions
 * must not overlap (GitHub refuses "Only one suggestion per line can be applied in a batch"); this throws if they do.
 */
export function applySuggestions(text: string, suggestions: readonly Suggestion[]): string {
  const lines = splitLines(text);
  const pieces: string[] = [];
  let next = 1;
  for (const s of [...suggestions].sort((a, b) => a.startLine - b.startLine)) {
    if (s.startLine < next || s.endLine > lines.length || s.startLine > s.endLine)
      throw new Error(`suggestion on lines ${s.startLine}-${s.endLine} overlaps another or leaves the file`);
    pieces.push(...lines.slice(next - 1, s.startLine - 1));
    const last = lines[s.endLine - 1] ?? "";
    pieces.push(s.body + (last.endsWith("\n") ? "\n" : ""));
    next = s.endLine + 1;
  }
  pieces.push(...lines.slice(next - 1));
  return pieces.join("");
}

/** Lines with their line breaks; a last line without one is still a line. */
function splitLines(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}
