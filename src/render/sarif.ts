import { ruleDocsUrl } from "../engine/docs-url.js";
import type { Finding, ScanResult, Severity } from "../engine/types.js";
import type { RuleModule } from "../engine/rule-api.js";
import { scanNotes } from "./notes.js";

/**
 * SARIF 2.1.0 as GitHub code scanning reads it: every rule's metadata with its help URI, results with physical
 * locations relative to the repository root (%SRCROOT%), partial fingerprints that survive line moves (so an alert
 * persists across commits), and the engine's fixes as artifact changes.
 */
export interface SarifLog {
  $schema: string;
  version: "2.1.0";
  runs: unknown[];
}

const LEVEL: Record<Severity, "error" | "warning" | "note"> = {
  error: "error",
  warning: "warning",
  info: "note",
};
export const FINGERPRINT_KEY = "argocdJobGuard/v1";

export function renderSarif(
  results: readonly { root: string | null; result: ScanResult }[],
  rules: readonly RuleModule[],
  toolVersion: string,
): SarifLog {
  const ruleIndex = new Map(rules.map((rule, index) => [rule.meta.id, index]));
  const sarifResults = results.flatMap(({ root, result }) =>
    result.findings.map((finding) => toResult(finding, root, ruleIndex.get(finding.rule) ?? -1)),
  );
  return {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "argocd-job-guard",
            informationUri: "https://github.com/argocd-job-guard/argocd-job-guard",
            version: toolVersion,
            semanticVersion: toolVersion,
            rules: rules.map((rule) => ({
              id: rule.meta.id,
              name: pascalCase(rule.meta.id),
              shortDescription: { text: rule.meta.description },
              fullDescription: { text: rule.meta.description },
              helpUri: ruleDocsUrl(rule.meta.id),
              help: {
                text: `${rule.meta.description} See ${ruleDocsUrl(rule.meta.id)}`,
                markdown: `${rule.meta.description} [Rule documentation](${ruleDocsUrl(rule.meta.id)})`,
              },
              defaultConfiguration: { level: LEVEL[rule.meta.defaultSeverity] },
              properties: { tags: ["argocd", "kubernetes", "job"], precision: "high" },
            })),
          },
        },
        columnKind: "utf16CodeUnits",
        originalUriBaseIds: { "%SRCROOT%": { description: { text: "The root of the scanned repository." } } },
        results: sarifResults,
        invocations: [
          {
            executionSuccessful: true,
            toolExecutionNotifications: results.flatMap(({ root, result }) => [
              ...result.files.skipped.map((skipped) => ({
                level: "warning",
                message: { text: `${skipped.file}: ${skipped.reason}` },
                locations: [
                  {
                    physicalLocation: {
                      artifactLocation: { uri: uriOf(root, skipped.file), uriBaseId: "%SRCROOT%" },
                    },
                  },
                ],
              })),
              ...scanNotes(result).map((note) => ({
                level: "note",
                message: { text: root === null ? note : `${root}: ${note}` },
              })),
            ]),
          },
        ],
      },
    ],
  };
}

function toResult(finding: Finding, root: string | null, ruleIndex: number): unknown {
  const uri = uriOf(root, finding.file);
  const artifactLocation = { uri, uriBaseId: "%SRCROOT%" };
  return {
    ruleId: finding.rule,
    ...(ruleIndex >= 0 ? { ruleIndex } : {}),
    level: LEVEL[finding.severity],
    message: { text: `${finding.message}${finding.fix ? ` Fix: ${finding.fix.description}` : ""}` },
    locations: [
      {
        physicalLocation: {
          artifactLocation,
          region: {
            startLine: finding.location.line,
            startColumn: finding.location.column,
            endLine: finding.location.endLine,
          },
        },
      },
    ],
    partialFingerprints: { [FINGERPRINT_KEY]: finding.fingerprint },
    ...(finding.fix
      ? {
          fixes: [
            {
              description: { text: finding.fix.description },
              artifactChanges: [
                {
                  artifactLocation,
                  replacements: finding.fix.edits.map((edit) => ({
                    deletedRegion: { charOffset: edit.start, charLength: edit.end - edit.start },
                    insertedContent: { text: edit.text },
                  })),
                },
              ],
            },
          ],
        }
      : {}),
  };
}

function uriOf(root: string | null, file: string): string {
  const path =
    root === null || root === "." ? file : `${root.replace(/\/+$/, "").replace(/^\.\//, "")}/${file}`;
  return path.split("/").map(encodeURIComponent).join("/");
}

function pascalCase(id: string): string {
  return id.replace(/(^|-)([a-z])/g, (_m, _dash: string, letter: string) => letter.toUpperCase());
}
