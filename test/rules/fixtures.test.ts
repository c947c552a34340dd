import { describe, expect, it } from "@jest/globals";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { applyEdits } from "../../src/engine/fix/text-edit.js";
import { parseManifestFile } from "../../src/engine/manifests/parse-manifests.js";
import { fixRepository } from "../../src/engine/scan.js";
import { RULE_IDS, RULES } from "../../src/rules/index.js";
import {
  FIXTURES,
  loadFixtureCases,
  type ExpectedFinding,
  type FixtureCase,
} from "../helpers/fixture-cases.js";

const cases = loadFixtureCases();

function run(fixture: FixtureCase, input = fixture.input) {
  return fixRepository({
    rules: RULES,
    files: fixture.files.map((f) => (f.path === fixture.path ? { ...f, content: input } : f)),
    ...(fixture.baseFiles ? { baseFiles: fixture.baseFiles } : {}),
    ...(fixture.config ? { config: fixture.config } : {}),
  });
}

/** Lines of `after` that are not in `before`, and lines of `before` missing from `after`, by a line diff. */
function changedLines(before: string, after: string): { added: string[]; removed: string[] } {
  const a = before.split("\n");
  const b = after.split("\n");
  // Longest common subsequence: small files, so the quadratic table is fine.
  const table = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--)
    for (let j = b.length - 1; j >= 0; j--)
      table[i]![j] =
        a[i] === b[j] ? table[i + 1]![j + 1]! + 1 : Math.max(table[i + 1]![j]!, table[i]![j + 1]!);
  const added: string[] = [];
  const removed: string[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      i++;
      j++;
    } else if (table[i + 1]![j]! >= table[i]![j + 1]!) removed.push(a[i++]!);
    else added.push(b[j++]!);
  }
  removed.push(...a.slice(i));
  added.push(...b.slice(j));
  return { added, removed };
}

describe("rule fixtures", () => {
  it("every rule has fixture cases and a doc page", () => {
    const missingFixtures = RULE_IDS.filter(
      (id) => !existsSync(join(FIXTURES, id)) || readdirSync(join(FIXTURES, id)).length === 0,
    );
    const missingDocs = RULE_IDS.filter(
      (id) => !existsSync(join(import.meta.dirname, "..", "..", "docs", "rules", `${id}.md`)),
    );

    expect(missingFixtures).toEqual([]);
    expect(missingDocs).toEqual([]);
  });

  it("every message a rule declares is pinned by a fixture, and every fixable rule's fix kind by one", () => {
    const pinned = new Set(cases.flatMap((c) => c.expectedFindings.map((f) => `${f.rule}/${f.messageId}`)));
    const kinds = new Set(
      cases.flatMap((c) => c.expectedFindings.flatMap((f) => (f.fix ? [`${f.rule}/${f.fix.kind}`] : []))),
    );

    const unpinned = RULES.flatMap((rule) =>
      Object.keys(rule.meta.messages).map((id) => `${rule.meta.id}/${id}`),
    ).filter((key) => !pinned.has(key));
    const fixKindsUnseen = RULES.filter((rule) => rule.meta.fixable !== "none")
      .map((rule) => `${rule.meta.id}/${rule.meta.fixable}`)
      .filter((key) => !kinds.has(key));
    expect(unpinned).toEqual([]);
    expect(fixKindsUnseen).toEqual([]);
  });

  it("every fixture folder is a known rule", () => {
    expect(readdirSync(FIXTURES).filter((dir) => !RULE_IDS.includes(dir))).toEqual([]);
  });

  it.each(cases.map((c) => [`${c.rule}/${c.name}`, c] as const))("%s: findings", (_label, fixture) => {
    const { result } = run(fixture);

    const contentOf = new Map(fixture.files.map((f) => [f.path, String(f.content)]));
    const actual: ExpectedFinding[] = result.findings.map((f) => ({
      rule: f.rule,
      severity: f.severity,
      file: f.file,
      line: f.location.line,
      messageId: f.messageId,
      message: f.message,
      fix: f.fix
        ? { kind: f.fix.kind, output: applyEdits(contentOf.get(f.file) ?? "", f.fix.edits).text }
        : null,
      ...(f.fix ? {} : { noFixReason: f.noFixReason }),
    }));
    expect(actual).toEqual(fixture.expectedFindings);
    expect(result.files.skipped).toEqual([]);
  });

  it.each(cases.map((c) => [`${c.rule}/${c.name}`, c] as const))("%s: fixed output", (_label, fixture) => {
    const { fixes } = run(fixture);

    const fixed = fixes.find((f) => f.path === fixture.path)?.after ?? fixture.input;
    expect(fixed).toBe(fixture.expectedOutput ?? fixture.input);
  });

  it.each(cases.filter((c) => c.expectedOutput !== null).map((c) => [`${c.rule}/${c.name}`, c] as const))(
    "%s: the fix is minimal, idempotent and parses",
    (_label, fixture) => {
      const output = fixture.expectedOutput ?? "";

      const { added, removed } = changedLines(fixture.input, output);
      const again = run(fixture, output).fixes.find((f) => f.path === fixture.path);
      const reparsed = parseManifestFile(fixture.path, output);

      // Lines are inserted; at most one line is rewritten in place (a value corrected, `name` made `generateName`).
      expect(removed.length).toBeLessThanOrEqual(1);
      expect(added.length).toBeGreaterThanOrEqual(removed.length);
      expect(again).toBeUndefined();
      expect(reparsed.ok && reparsed.file.problems).toEqual([]);
    },
  );
});
