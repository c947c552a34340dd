#!/usr/bin/env node
// Writes `<case>.findings.json` (each finding with its message id and its fix applied alone) and `<case>.out.yaml`
// (the file after --fix) for rule fixtures from the built engine (npm run build first).
// Review every change with `git diff test/fixtures` before committing: these files are the expected behaviour.
// Usage: node scripts/update-fixtures.js [RULE-ID/CASE ...]
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseConfigText } from "../dist/config/schema.js";
import { applyEdits } from "../dist/engine/fix/text-edit.js";
import { fixRepository } from "../dist/engine/scan.js";
import { RULE_IDS, RULES } from "../dist/rules/index.js";

const root = join(import.meta.dirname, "..", "test", "fixtures", "rules");
const only = process.argv.slice(2);
for (const rule of readdirSync(root).sort()) {
  for (const entry of readdirSync(join(root, rule)).sort()) {
    if (!entry.endsWith(".in.yaml")) continue;
    const name = entry.slice(0, -".in.yaml".length);
    if (only.length > 0 && !only.includes(`${rule}/${name}`)) continue;
    const read = (suffix) => {
      const file = join(root, rule, `${name}${suffix}`);
      return existsSync(file) ? readFileSync(file, "utf8") : null;
    };
    const path = `manifests/${name}.yaml`;
    const input = read(".in.yaml");
    const files = [{ path, content: input }];
    const app = read(".app.yaml");
    if (app !== null) files.push({ path: "argocd/app.yaml", content: app });
    const base = read(".base.yaml");
    const configText = read(".config.yaml");
    const config = configText === null ? undefined : parseConfigText(configText, "config", RULE_IDS);
    if (config && !config.ok) throw new Error(config.errors.join("\n"));
    const { result, fixes } = fixRepository({
      rules: RULES,
      files,
      ...(base === null ? {} : { baseFiles: [{ path, content: base }] }),
      ...(config ? { config: config.config } : {}),
    });
    const contentOf = new Map(files.map((f) => [f.path, f.content]));
    // The shape test/helpers/fixture-cases.ts reads: what a user reads of each finding, its fix applied alone.
    const findings = result.findings.map((f) => ({
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
    writeFileSync(join(root, rule, `${name}.findings.json`), `${JSON.stringify(findings, null, 2)}\n`);
    const fixed = fixes.find((f) => f.path === path);
    const out = join(root, rule, `${name}.out.yaml`);
    if (fixed) writeFileSync(out, fixed.after);
    else rmSync(out, { force: true });
    console.log(
      `${rule}/${name}: ${findings.map((f) => `${f.rule}@${f.line}`).join(", ") || "no findings"}${fixed ? " (fixed)" : ""}`,
    );
  }
}
