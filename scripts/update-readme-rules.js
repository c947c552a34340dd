#!/usr/bin/env node
// Writes the README's rule table from the rules' metadata (npm run build first); test/rules/docs.test.ts fails when
// the committed table is not what this writes.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { RULES } from "../dist/rules/index.js";
import { RULE_TABLE_END, RULE_TABLE_START, renderRuleTable } from "../dist/rules/rule-table.js";

const path = join(import.meta.dirname, "..", "README.md");
const readme = readFileSync(path, "utf8");
const start = readme.indexOf(RULE_TABLE_START);
const end = readme.indexOf(RULE_TABLE_END);
if (start === -1 || end < start)
  throw new Error(`README.md has no ${RULE_TABLE_START} … ${RULE_TABLE_END} markers`);
const table = `${RULE_TABLE_START}\n${renderRuleTable(RULES)}\n`;
writeFileSync(path, readme.slice(0, start) + table + readme.slice(end));
console.log(`README.md: ${RULES.length} rules`);
