import { describe, expect, it } from "@jest/globals";
import fc from "fast-check";
import { inOneHunk, parsePatch, touchesAddedLine } from "../../src/render/diff-hunks.js";
import { applySuggestions, suggestionsFor } from "../../src/render/suggestions.js";

describe("suggestionsFor", () => {
  it("an insertion repeats the line above it, as GitHub needs a line to replace", () => {
    const before = "metadata:\n  name: x\nspec: {}\n";
    const after = "metadata:\n  name: x\n  annotations:\n    a: b\nspec: {}\n";

    expect(suggestionsFor(before, after)).toEqual([
      { startLine: 2, endLine: 2, body: "  name: x\n  annotations:\n    a: b" },
    ]);
  });

  it("an insertion at the top of the file repeats the first line after it", () => {
    expect(suggestionsFor("a\nb\n", "x\na\nb\n")).toEqual([{ startLine: 1, endLine: 1, body: "x\na" }]);
  });

  it("a changed line is replaced in place; a deleted one takes in the line above", () => {
    expect(suggestionsFor("a\nb\nc\n", "a\nB\nc\n")).toEqual([{ startLine: 2, endLine: 2, body: "B" }]);
    expect(suggestionsFor("a\nb\nc\n", "a\nc\n")).toEqual([{ startLine: 1, endLine: 2, body: "a" }]);
    expect(suggestionsFor("a\nb\nc\n", "b\nc\n")).toEqual([{ startLine: 1, endLine: 2, body: "b" }]);
  });

  it("gives no suggestion for CRLF text, which a comment body would not keep", () => {
    expect(suggestionsFor("a\r\nb\r\n", "a\r\nx\r\nb\r\n")).toBeNull();
  });

  it("applying every suggestion gives the fixed text byte for byte, whatever the edits", () => {
    const line = fc.constantFrom("a", "b", "  c: 1", "- d", "", "e: [x]");
    const text = fc.array(line, { maxLength: 12 }).map((lines) => lines.map((l) => `${l}\n`).join(""));
    fc.assert(
      fc.property(text, text, (before, after) => {
        const suggestions = suggestionsFor(before, after);
        if (suggestions === null) return before.length === 0 || after.length === 0;
        for (const s of suggestions) expect(s.startLine).toBeLessThanOrEqual(s.endLine);
        expect(applySuggestions(before, suggestions)).toBe(after);
        return true;
      }),
      { numRuns: 500 },
    );
  });
});

describe("diff hunks", () => {
  const patch =
    "@@ -1,3 +1,4 @@\n a\n-b\n+B\n+C\n c\n@@ -10,2 +11,3 @@ spec:\n x\n+y\n z\n\\ No newline at end of file";

  it("reads each hunk's new-side lines and the lines it adds", () => {
    expect(parsePatch(patch)).toEqual([
      { newStart: 1, newEnd: 4, added: new Set([2, 3]) },
      { newStart: 11, newEnd: 13, added: new Set([12]) },
    ]);
  });

  it("accepts a range inside one hunk only, never across two or outside", () => {
    const hunks = parsePatch(patch);

    expect(inOneHunk(hunks, 1, 4)).toBe(true);
    expect(inOneHunk(hunks, 12, 12)).toBe(true);
    expect(inOneHunk(hunks, 4, 11)).toBe(false);
    expect(inOneHunk(hunks, 5, 5)).toBe(false);
    expect(touchesAddedLine(hunks, 4, 11)).toBe(false);
    expect(touchesAddedLine(hunks, 12, 20)).toBe(true);
  });

  it("a deleted file has no new-side hunk to comment on", () => {
    expect(parsePatch("@@ -1,2 +0,0 @@\n-a\n-b")).toEqual([]);
  });
});
