import { describe, expect, it } from "@jest/globals";
import { applyEdits } from "../../src/engine/fix/text-edit.js";
import { scanRepository } from "../../src/engine/scan.js";
import { RULES } from "../../src/rules/index.js";

/** Suggestions are what review comments will show, and a person applies them as written: every byte matters. */
function suggestion(rule: string, content: string): string | null {
  const finding = scanRepository({ rules: RULES, files: [{ path: "job.yaml", content }] }).findings.find(
    (f) => f.rule === rule,
  );
  expect(finding?.fix?.kind).toBe("suggestion");
  return finding?.fix ? applyEdits(content, finding.fix.edits).text : null;
}

const job = (annotations: string) => `apiVersion: batch/v1
kind: Job
metadata:
  name: db-migrate
  annotations:
${annotations}spec:
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: migrate
          image: flyway/flyway:10
          args: ["migrate"]
`;

describe("migration-not-presync suggests PreSync, spelt as Argo CD reads it", () => {
  it.each([
    ["Sync", "    argocd.argoproj.io/hook: Sync\n", "    argocd.argoproj.io/hook: PreSync\n"],
    [
      "PostSync, quoted",
      '    argocd.argoproj.io/hook: "PostSync"\n',
      '    argocd.argoproj.io/hook: "PreSync"\n',
    ],
  ])("%s becomes PreSync, only that value changes", (_label, before, after) => {
    const annotations = `${before}    argocd.argoproj.io/hook-delete-policy: BeforeHookCreation\n`;

    expect(suggestion("migration-not-presync", job(annotations))).toBe(
      job(annotations.replace(before, after)),
    );
  });
});

describe("force-replace-every-sync suggests keeping Force=true alone", () => {
  it.each([
    ["Force first", "Force=true,Replace=true", "Force=true"],
    ["Replace first", "Replace=true,Force=true", "Force=true"],
    ["with another option, spaced", "Replace=true, Force=true, Validate=false", "Force=true, Validate=false"],
  ])("%s: drops Replace=true and keeps every other option", (_label, options, kept) => {
    const before = job(`    argocd.argoproj.io/sync-options: ${options}\n`);

    expect(suggestion("force-replace-every-sync", before)).toBe(
      job(`    argocd.argoproj.io/sync-options: ${kept}\n`),
    );
  });
});
