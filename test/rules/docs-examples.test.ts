import { describe, expect, it } from "@jest/globals";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { scanRepository } from "../../src/engine/scan.js";
import { RULES } from "../../src/rules/index.js";

/**
 * Each rule page's "Incorrect" and "Correct" examples run through the engine, as ESLint lints its rule examples: a
 * page cannot show an example the rule does not judge as the page says. A `yaml base` block in "Incorrect" is the
 * base revision of a diff-aware example. Examples are scanned as `apps/shop/example.yaml` of the repository that an
 * example Application names (https://github.com/example/gitops.git, path apps/shop).
 */
const DOCS = join(import.meta.dirname, "..", "..", "docs", "rules");
const REPO_URL = "https://github.com/example/gitops.git";
const PATH = "apps/shop/example.yaml";

interface Examples {
  incorrect: string[];
  correct: string[];
  base: string | null;
}

function examplesOf(page: string): Examples {
  const section = (title: string) => {
    const start = page.indexOf(`\n## ${title}\n`);
    if (start === -1) return "";
    const end = page.indexOf("\n## ", start + 1);
    return page.slice(start, end === -1 ? undefined : end);
  };
  const blocks = (text: string) =>
    [...text.matchAll(/^```yaml( base)?\n([\s\S]*?)^```$/gm)].map((m) => ({
      base: m[1] !== undefined,
      text: m[2] ?? "",
    }));
  const incorrect = blocks(section("Incorrect"));
  return {
    incorrect: incorrect.filter((b) => !b.base).map((b) => b.text),
    correct: blocks(section("Correct")).map((b) => b.text),
    base: incorrect.find((b) => b.base)?.text ?? null,
  };
}

function rulesFound(content: string, base: string | null): string[] {
  const result = scanRepository({
    rules: RULES,
    files: [{ path: PATH, content }],
    repoUrl: REPO_URL,
    ...(base === null ? {} : { baseFiles: [{ path: PATH, content: base }] }),
  });
  expect(result.files.skipped).toEqual([]);
  return result.findings.map((f) => f.rule);
}

describe.each(
  RULES.map(
    (rule) => [rule.meta.id, examplesOf(readFileSync(join(DOCS, `${rule.meta.id}.md`), "utf8"))] as const,
  ),
)("docs/rules/%s.md", (id, examples) => {
  it("has an Incorrect and a Correct example", () => {
    expect(examples.incorrect.length).toBeGreaterThan(0);
    expect(examples.correct.length).toBeGreaterThan(0);
  });

  it("its Incorrect examples are reported by the rule", () => {
    for (const example of examples.incorrect) expect(rulesFound(example, examples.base)).toContain(id);
  });

  it("its Correct examples are not", () => {
    for (const example of examples.correct) expect(rulesFound(example, examples.base)).not.toContain(id);
  });
});
