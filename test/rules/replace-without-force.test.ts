import { describe, expect, it } from "@jest/globals";
import { scanRepository } from "../../src/engine/scan.js";
import { RULES } from "../../src/rules/index.js";

/**
 * replace-without-force says the sync fails only on the Job's next change when ApplyOutOfSyncOnly=true holds for
 * every Application that deploys it: one Application without it replaces the Job on each of its syncs.
 */

const REPO = "https://github.com/example/gitops.git";

const application = (name: string, outOfSyncOnly: boolean) =>
  `apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: ${name}\nspec:\n  source:\n    repoURL: ${REPO}\n    path: jobs\n${outOfSyncOnly ? "  syncPolicy:\n    syncOptions:\n      - ApplyOutOfSyncOnly=true\n" : ""}`;

const job = `apiVersion: batch/v1
kind: Job
metadata:
  name: report
  annotations:
    argocd.argoproj.io/sync-options: Replace=true
spec:
  template:
    spec:
      restartPolicy: Never
`;

function messageIdOf(outOfSyncOnlyPerApp: boolean[]): string | undefined {
  const files = [
    ...outOfSyncOnlyPerApp.map((only, i) => ({
      path: `argocd/app-${i}.yaml`,
      content: application(`app-${i}`, only),
    })),
    { path: "jobs/report.yaml", content: job },
  ];
  return scanRepository({ rules: RULES, files, repoUrl: REPO }).findings.find(
    (f) => f.rule === "replace-without-force",
  )?.messageId;
}

describe("replace-without-force and ApplyOutOfSyncOnly=true", () => {
  it.each<[string, boolean[], string]>([
    ["every Application applies out-of-sync resources only", [true, true], "replaceOnNextChange"],
    ["one of two Applications applies every resource", [true, false], "replaceWithoutForce"],
    ["no Application deploys the Job", [], "replaceWithoutForce"],
  ])("%s: %s", (_label, outOfSyncOnlyPerApp, messageId) => {
    expect(messageIdOf(outOfSyncOnlyPerApp)).toBe(messageId);
  });
});
