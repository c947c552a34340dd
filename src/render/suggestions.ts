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
  const afterLines = splitLines(after);
  const regions: Region[] = [];
  let oldLine = 1;
  let newLine = 1;
  let open: Region | null = null;
  for (const change of diffLines(before, after)) {
    const count = splitLines(change.value).length;
    if (!change.added && !change.removed) {
      if (open) regions.push(anchored(open));
      open = null;
      oldLine += count;
      newLine += count;
      continue;
    }
    open ??= { oldStart: oldLine, oldCount: 0, newStart: newLine, newCount: 0 };
    if (change.removed) {
      open.oldCount += count;
      oldLine += count;
    } else {
      open.newCount += count;
      newLine += count;
    }
  }
  if (open) regions.push(anchored(open));
  const suggestions = mergeOverlapping(regions).map((region) => {
    const body = afterLines.slice(region.newStart - 1, region.newStart - 1 + region.newCount).join("");
    return {
      startLine: region.oldStart,
      endLine: region.oldStart + region.oldCount - 1,
      body: body.endsWith("\n") ? body.slice(0, -1) : body,
    };
  });
  try {
    return applySuggestions(before, suggestions) === after ? suggestions : null;
  } catch {
    return null;
  }
}

/** Lines `oldStart…` of the head text, replaced by lines `newStart…` of the fixed text. */
interface Region {
  oldStart: number;
  oldCount: number;
  newStart: number;
  newCount: number;
}

/**
 * GitHub replaces lines, so a region that replaces none (an insertion) or puts none back (a deletion) takes in the
 * unchanged line above it, or, at the top of the file, the one below.
 */
function anchored(region: Region): Region {
  if (region.oldCount > 0 && region.newCount > 0) return region;
  return region.oldStart > 1
    ? {
        oldStart: region.oldStart - 1,
        oldCount: region.oldCount + 1,
        newStart: region.newStart - 1,
        newCount: region.newCount + 1,
      }
    : { ...region, oldCount: region.oldCount + 1, newCount: region.newCount + 1 };
}

/** Two regions that took in the same unchanged line become one: GitHub applies one suggestion per line. */
function mergeOverlapping(regions: readonly Region[]): Region[] {
  const merged: Region[] = [];
  for (const region of regions) {
    const previous = merged[merged.length - 1];
    if (previous && region.oldStart <= previous.oldStart + previous.oldCount - 1) {
      previous.oldCount = Math.max(previous.oldCount, region.oldStart + region.oldCount - previous.oldStart);
      previous.newCount = Math.max(previous.newCount, region.newStart + region.newCount - previous.newStart);
    } else merged.push({ ...region });
  }
  return merged;
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
