import { describe, expect, it } from "@jest/globals";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ruleDocsUrl } from "../../src/engine/docs-url.js";
import { RULES } from "../../src/rules/index.js";
import { RULE_TABLE_END, RULE_TABLE_START, renderRuleTable } from "../../src/rules/rule-table.js";

const ROOT = join(import.meta.dirname, "..", "..");
const SECTIONS = [
  "## What it finds",
  "## Why Argo CD breaks",
  "## Incorrect",
  "## Correct",
  "## The fix and its trade-offs",
  "## How to suppress",
];

describe("rule documentation", () => {
  it.each(RULES.map((rule) => [rule.meta.id, rule] as const))(
    "%s has a page with every section, its severity and a suppression example",
    (id, rule) => {
      const path = join(ROOT, "docs", "rules", `${id}.md`);

      const page = existsSync(path) ? readFileSync(path, "utf8") : "";

      expect(page.startsWith(`# ${id}\n`)).toBe(true);
      expect(SECTIONS.filter((section) => !page.includes(`\n${section}\n`))).toEqual([]);
      expect(page).toContain(`**${rule.meta.defaultSeverity}**`);
      expect(page).toContain(`argocd-job-guard.io/ignore`);
      expect(page).toContain("```yaml");
    },
  );

  it("every finding links to its rule's page in this repository", () => {
    for (const rule of RULES)
      expect(ruleDocsUrl(rule.meta.id)).toMatch(new RegExp(`/docs/rules/${rule.meta.id}\\.md$`));
  });

  it("the README's rule table is the one the rules' metadata gives (node scripts/update-readme-rules.js)", () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    const start = readme.indexOf(RULE_TABLE_START);
    const end = readme.indexOf(RULE_TABLE_END);

    const committed = start === -1 || end < start ? "" : readme.slice(start + RULE_TABLE_START.length, end);

    expect(committed).toBe(`\n${renderRuleTable(RULES)}\n`);
  });
});
