import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseConfigText, type Config } from "../../src/config/schema.js";
import { RULE_IDS } from "../../src/rules/index.js";
import type { RepoFile } from "../../src/engine/types.js";

export const FIXTURES = join(import.meta.dirname, "..", "fixtures", "rules");

/**
 * A rule fixture case, from files beside each other in test/fixtures/rules/<rule>/:
 * - `<case>.in.yaml`        the manifest, scanned as `manifests/<case>.yaml`
 * - `<case>.findings.json`  every finding expected: [{ rule, severity, file, line, messageId, message, fix, noFixReason? }],
 *                           `fix` being `{ kind, output }` (the file with this fix alone applied, safe fixes and
 *                           suggestions alike) or null with the reason the user reads
 * - `<case>.out.yaml`       the file after `--fix` (absent: the fix must change nothing)
 * - `<case>.app.yaml`       optional Application(s), placed at `argocd/app.yaml` (source path `manifests`)
 * - `<case>.base.yaml`      optional base revision of the manifest (diff-aware scan)
 * - `<case>.config.yaml`    optional repository configuration
 */
export interface ExpectedFinding {
  rule: string;
  severity: string;
  file: string;
  line: number;
  /** A key of the rule's meta.messages. */
  messageId: string;
  /** The text the user reads: the message with its data filled in. */
  message: string;
  fix: { kind: "safe" | "suggestion"; output: string } | null;
  noFixReason?: string | null;
}

export interface FixtureCase {
  rule: string;
  name: string;
  path: string;
  input: string;
  expectedFindings: ExpectedFinding[];
  expectedOutput: string | null;
  files: RepoFile[];
  baseFiles: RepoFile[] | undefined;
  config: Config | undefined;
}

export function loadFixtureCases(): FixtureCase[] {
  const cases: FixtureCase[] = [];
  for (const rule of readdirSync(FIXTURES).sort()) {
    const dir = join(FIXTURES, rule);
    for (const entry of readdirSync(dir).sort()) {
      if (!entry.endsWith(".in.yaml")) continue;
      const name = entry.slice(0, -".in.yaml".length);
      const read = (suffix: string) => {
        const file = join(dir, `${name}${suffix}`);
        return existsSync(file) ? readFileSync(file, "utf8") : null;
      };
      const input = read(".in.yaml") ?? "";
      const path = `manifests/${name}.yaml`;
      const app = read(".app.yaml");
      const base = read(".base.yaml");
      const configText = read(".config.yaml");
      let config: Config | undefined;
      if (configText !== null) {
        const parsed = parseConfigText(configText, `${name}.config.yaml`, RULE_IDS);
        if (!parsed.ok) throw new Error(parsed.errors.join("\n"));
        config = parsed.config;
      }
      const files: RepoFile[] = [{ path, content: input }];
      if (app !== null) files.push({ path: "argocd/app.yaml", content: app });
      cases.push({
        rule,
        name,
        path,
        input,
        expectedFindings: JSON.parse(read(".findings.json") ?? "[]") as FixtureCase["expectedFindings"],
        expectedOutput: read(".out.yaml"),
        files,
        baseFiles: base === null ? undefined : [{ path, content: base }],
        config,
      });
    }
  }
  return cases;
}
