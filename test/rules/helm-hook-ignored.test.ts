import { describe, expect, it } from "@jest/globals";
import { scanRepository } from "../../src/engine/scan.js";
import { RULES } from "../../src/rules/index.js";

/**
 * helm-hook-ignored and helm.skipTests: an Application that skips tests does not render Helm test hooks, so they are
 * not reported as never applied; a rollback hook is rendered either way and still never runs.
 */

const REPO = "https://github.com/example/gitops.git";

const application = (name: string, skipTests: boolean) =>
  `apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: ${name}\nspec:\n  source:\n    repoURL: ${REPO}\n    path: charts/app\n${skipTests ? "    helm:\n      skipTests: true\n" : ""}`;

const hookJob = (hook: string) =>
  `apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: smoke\n  annotations:\n    helm.sh/hook: ${hook}\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n`;

function reported(hook: string, skipTestsPerApp: boolean[]): string[] {
  const files = [
    ...skipTestsPerApp.map((skip, i) => ({
      path: `argocd/app-${i}.yaml`,
      content: application(`app-${i}`, skip),
    })),
    { path: "charts/app/Chart.yaml", content: "apiVersion: v2\nname: app\nversion: 1.0.0\n" },
    { path: "charts/app/templates/smoke.yaml", content: hookJob(hook) },
  ];
  return scanRepository({ rules: RULES, files, repoUrl: REPO })
    .findings.filter((f) => f.rule === "helm-hook-ignored")
    .map((f) => f.messageId);
}

describe("helm-hook-ignored with helm.skipTests", () => {
  it.each<[string, string, boolean[], string[]]>([
    ["a test hook, every Application skipping tests", "test", [true, true], []],
    ["a test hook, one Application rendering tests", "test", [true, false], ["testHook"]],
    ["a test hook, no Application skipping tests", "test", [false], ["testHook"]],
    ["a test-success hook, tests skipped", "test-success", [true], []],
    [
      "a hook that is a test and a rollback hook, tests skipped: Helm leaves it out",
      "test,pre-rollback",
      [true],
      [],
    ],
    ["a hook that is a test and a rollback hook, tests rendered", "pre-rollback,test", [false], ["testHook"]],
    ["a rollback hook, tests skipped", "pre-rollback", [true], ["rollbackHook"]],
    ["a test hook not deployed by any Application", "test", [], ["testHook"]],
  ])("%s (helm.sh/hook: %s)", (_label, hook, skipTestsPerApp, expected) => {
    expect(reported(hook, skipTestsPerApp)).toEqual(expected);
  });
});
