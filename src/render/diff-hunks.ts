/**
 * Where GitHub lets a review comment sit: on the new side of a pull request's diff, inside one hunk. One comment
 * outside it makes GitHub refuse the whole review with 422 "Pull request review thread line must be part of the
 * diff" (or, for a range across two hunks, "…start line must be part of the same hunk as the line."), so every
 * comment is checked here before it is sent.
 */
export interface Hunk {
  /** First and last line of the hunk in the new file (1-based, inclusive). */
  newStart: number;
  newEnd: number;
  /** New-file lines this hunk adds or changes (`+` lines). */
  added: ReadonlySet<number>;
}

const HUNK_HEADER = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@/;

/**
 * The hunks of one file's patch, as GitHub's compare and pull-request files APIs give it (`files[].patch`: hunks
 * without the `diff --git` and `---`/`+++` headers).
 * @example parsePatch("@@ -1,2 +1,3 @@\n a\n+b\n c") // [{ newStart: 1, newEnd: 3, added: Set {2} }]
 */
export function parsePatch(patch: string): Hunk[] {
  const hunks: Hunk[] = [];
  let current: { newStart: number; newEnd: number; added: Set<number> } | null = null;
  let next = 0;
  for (const line of patch.split("\n")) {
    const header = HUNK_HEADER.exec(line);
    if (header) {
      const start = Number(header[1]);
      const count = header[2] === undefined ? 1 : Number(header[2]);
      current = { newStart: start, newEnd: start + count - 1, added: new Set() };
      hunks.push(current);
      next = start;
      continue;
    }
    if (!current) continue;
    if (line.startsWith("+")) current.added.add(next++);
    else if (line.startsWith(" ")) next++;
    // "-" lines exist only on the old side; "\ No newline at end of file" is no line at all.
  }
  return hunks.filter((hunk) => hunk.newEnd >= hunk.newStart);
}

/** Whether new-file lines `start..end` lie inside one hunk, where GitHub accepts a comment (or a suggestion). */
export function inOneHunk(hunks: readonly Hunk[], start: number, end: number): boolean {
  return hunks.some((hunk) => start >= hunk.newStart && end <= hunk.newEnd && start <= end);
}

/** Whether any of the lines `start..end` was added or changed by the pull request. */
export function touchesAddedLine(hunks: readonly Hunk[], start: number, end: number): boolean {
  for (const hunk of hunks) for (const line of hunk.added) if (line >= start && line <= end) return true;
  return false;
}
