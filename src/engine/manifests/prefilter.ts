/**
 * Most documents of a GitOps repository are Deployments, Services, ConfigMaps. Only a document that names a Job, a
 * List or an Argo CD app can matter to the rules, so the others are hidden before parsing: each becomes one comment
 * line of the same length (newlines inside turn into spaces), which the YAML lexer skips in one step. Every offset
 * stays right; line numbers come from the original text (see parseManifestFile). Document markers (`---`, `...` at
 * column 0) end a document wherever they appear in YAML, so splitting on them is exact.
 */
const RELEVANT = /\b(Job|List|Application|ApplicationSet)\b/;
const MARKER = /^(---|\.\.\.)(\s|$)/;

export function hideIrrelevantDocuments(text: string): string {
  const segments: [number, number][] = [];
  let segmentStart = 0;
  let lineStart = 0;
  while (lineStart <= text.length) {
    const newline = text.indexOf("\n", lineStart);
    const lineEnd = newline === -1 ? text.length : newline;
    if (MARKER.test(text.slice(lineStart, Math.min(lineEnd, lineStart + 4)))) {
      segments.push([segmentStart, lineStart]);
      segmentStart = lineEnd + 1;
    }
    if (newline === -1) break;
    lineStart = newline + 1;
  }
  segments.push([segmentStart, text.length]);
  let result = "";
  let last = 0;
  for (const [start, end] of segments) {
    if (start >= end) continue;
    const segment = text.slice(start, end);
    if (RELEVANT.test(segment) || segment.trim() === "") continue;
    // Keep the newline that ends the segment, so the next marker stays at the start of a line.
    const keep = segment.endsWith("\n") ? 1 : 0;
    result += text.slice(last, start) + "#" + " ".repeat(segment.length - 1 - keep) + (keep ? "\n" : "");
    last = end;
  }
  return last === 0 ? text : result + text.slice(last);
}
