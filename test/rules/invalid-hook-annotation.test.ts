import { describe, expect, it } from "@jest/globals";
import { scanRepository } from "../../src/engine/scan.js";
import { RULES } from "../../src/rules/index.js";
import { annotatedJob, listMergingAnnotations } from "../helpers/manifests.js";

/**
 * invalid-hook-annotation corrects a misspelt hook token in place, and only where the value it rewrites is the one
 * Argo CD reads: never a value a Kustomize patch sets, a merge key provides or Helm values complete.
 */

const REPO = "https://github.com/example/gitops.git";

const job = annotatedJob;

function findingsOf(files: { path: string; content: string }[]) {
  return scanRepository({ rules: RULES, files, repoUrl: REPO }).findings.filter(
    (f) => f.rule === "invalid-hook-annotation",
  );
}

describe("invalid-hook-annotation's fix", () => {
  it("corrects the misspelt token in the Job's own annotation (the control case)", () => {
    const [finding] = findingsOf([
      { path: "job.yaml", content: job("    argocd.argoproj.io/hook: Presync\n") },
    ]);

    expect(finding?.fix?.diff).toContain("+    argocd.argoproj.io/hook: PreSync\n");
  });

  it.each([
    ["folded", ">-"],
    ["literal", "|-"],
  ])(
    "corrects a hook written as a %s block scalar without joining the next line to it",
    (_style, indicator) => {
      const content = job(`    argocd.argoproj.io/hook: ${indicator}\n      Presync\n    team: payments\n`);

      const [finding] = findingsOf([{ path: "job.yaml", content }]);

      expect(finding?.fix?.diff).toContain(
        `-    argocd.argoproj.io/hook: ${indicator}\n-      Presync\n+    argocd.argoproj.io/hook: "PreSync"\n     team: payments\n`,
      );
    },
  );

  it("leaves a hook value that a Kustomize overlay patches in to the patch, and says where it is", () => {
    const application = `apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: prod\nspec:\n  source:\n    repoURL: ${REPO}\n    path: web/overlays/prod\n`;
    const overlay =
      "resources:\n  - ../../base\npatches:\n  - target:\n      kind: Job\n      name: migrate\n    patch: |-\n      - op: add\n        path: /metadata/annotations/argocd.argoproj.io~1hook\n        value: Presync\n";
    const files = [
      { path: "argocd/prod.yaml", content: application },
      { path: "web/base/kustomization.yaml", content: "resources:\n  - job.yaml\n" },
      { path: "web/base/job.yaml", content: job("    team: payments\n") },
      { path: "web/overlays/prod/kustomization.yaml", content: overlay },
    ];

    const [finding] = findingsOf(files);

    expect(finding?.file).toBe("web/base/job.yaml");
    expect(finding?.fix).toBeNull();
    expect(finding?.noFixReason).toBe(
      "argocd.argoproj.io/hook is set by the Kustomize patch in web/overlays/prod/kustomization.yaml: change it there",
    );
  });

  it("never corrects a hook in a Helm template whose annotations Helm values complete", () => {
    const template = job('    argocd.argoproj.io/hook: Presync\n    team: "{{ .Values.team }}"\n');

    const [finding] = findingsOf([{ path: "chart/templates/job.yaml", content: template }]);

    expect(finding?.fix).toBeNull();
    expect(finding?.noFixReason).toBe("the annotation value is not a plain value in the manifest");
  });

  it("never corrects a hook value a merge key provides: the edit would change what the anchor gives others", () => {
    const content = listMergingAnnotations("argocd.argoproj.io/hook: Presync", "name: migrate");

    const [finding] = findingsOf([{ path: "list.yaml", content }]);

    expect(finding?.fix).toBeNull();
    expect(finding?.noFixReason).toContain("YAML merge key (<<)");
  });
});

describe("invalid-hook-annotation's findings", () => {
  it("names every dropped delete-policy token, and corrects them all in one fix", () => {
    const content = job(
      "    argocd.argoproj.io/hook: PreSync\n    argocd.argoproj.io/hook-delete-policy: hooksucceeded,before-hook-creation\n",
    );

    const [finding] = findingsOf([{ path: "job.yaml", content }]);

    expect(finding?.message).toContain(
      'hook-delete-policy tokens "hooksucceeded", "before-hook-creation" that Argo CD silently drops',
    );
    expect(finding?.fix?.diff).toContain(
      "+    argocd.argoproj.io/hook-delete-policy: HookSucceeded,BeforeHookCreation\n",
    );
  });

  it("corrects Argo CD spellings in helm.sh/hook-delete-policy to Helm's", () => {
    const content = job(
      "    helm.sh/hook: pre-install,pre-upgrade\n    helm.sh/hook-delete-policy: HookSucceeded,BeforeHookCreation\n",
    );

    const [finding] = findingsOf([{ path: "job.yaml", content }]);

    expect(finding?.messageId).toBe("helmDeletePolicyDropped");
    expect(finding?.message).toContain('tokens "HookSucceeded", "BeforeHookCreation"');
    expect(finding?.fix?.diff).toContain(
      "+    helm.sh/hook-delete-policy: hook-succeeded,before-hook-creation\n",
    );
  });

  it.each([
    ["its generateName", "generateName: seed-", 'Job "seed-"'],
    ["(unnamed) without name or generateName", "labels: {}", 'Job "(unnamed)"'],
  ])("names a Job without a name by %s", (_label, nameLine, label) => {
    const content = job("    argocd.argoproj.io/hook: Presync\n").replace("name: migrate", nameLine);

    const [finding] = findingsOf([{ path: "job.yaml", content }]);

    expect(finding?.message.startsWith(`${label} has argocd.argoproj.io/hook: "Presync"`)).toBe(true);
  });
});
