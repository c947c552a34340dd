import { describe, expect, it } from "@jest/globals";
import { RULES } from "../../src/rules/index.js";
import { fixRepository } from "../../src/engine/scan.js";

describe("JSON manifests", () => {
  it.each<[string, { name: string; annotations?: Record<string, string> }]>([
    ["without annotations", { name: "export" }],
    ["with annotations", { name: "export", annotations: { "team.example.com/owner": "data" } }],
    [
      "with sync options",
      { name: "export", annotations: { "argocd.argoproj.io/sync-options": "PruneLast=true" } },
    ],
  ])("stay valid JSON after the fix, %s, with one line changed", (_label, metadata) => {
    const text = JSON.stringify(
      { apiVersion: "batch/v1", kind: "Job", metadata, spec: { template: {} } },
      null,
      2,
    );

    const { fixes } = fixRepository({ rules: RULES, files: [{ path: "export-job.json", content: text }] });

    const after = fixes[0]?.after ?? "";
    const parsed = JSON.parse(after) as { metadata: { annotations: Record<string, string> } };
    expect(parsed.metadata.annotations).toEqual({
      ...(metadata.annotations ?? {}),
      "argocd.argoproj.io/hook": "Sync",
      "argocd.argoproj.io/hook-delete-policy": "BeforeHookCreation",
    });
    expect(after.split("\n").filter((line, i) => line !== text.split("\n")[i])).toHaveLength(1);
  });
});
