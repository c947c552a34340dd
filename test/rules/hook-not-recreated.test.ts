import { describe, expect, it } from "@jest/globals";
import { scanRepository } from "../../src/engine/scan.js";
import { RULES } from "../../src/rules/index.js";
import { annotatedJob } from "../helpers/manifests.js";

/**
 * hook-not-recreated adds BeforeHookCreation only where the delete policy Argo CD reads is written in the file; when
 * Helm values or a Kustomize patch decide it, there is no fix and the reason names where the policy comes from.
 */

const REPO = "https://github.com/example/gitops.git";

const job = annotatedJob;

/** The base Job deployed through a Kustomize overlay that adds `key: value` to its annotations. */
function patched(baseAnnotations: string, key: string, value: string) {
  const application = `apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: prod\nspec:\n  source:\n    repoURL: ${REPO}\n    path: web/overlays/prod\n`;
  const overlay = `resources:\n  - ../../base\npatches:\n  - target:\n      kind: Job\n      name: migrate\n    patch: |-\n      - op: add\n        path: /metadata/annotations/${key.replace("/", "~1")}\n        value: ${value}\n`;
  return [
    { path: "argocd/prod.yaml", content: application },
    { path: "web/base/kustomization.yaml", content: "resources:\n  - job.yaml\n" },
    { path: "web/base/job.yaml", content: job(baseAnnotations) },
    { path: "web/overlays/prod/kustomization.yaml", content: overlay },
  ];
}

function findingsOf(files: { path: string; content: string }[]) {
  return scanRepository({ rules: RULES, files, repoUrl: REPO }).findings.filter(
    (f) => f.rule === "hook-not-recreated",
  );
}

describe("hook-not-recreated", () => {
  it("reports a named hook whose policies leave out BeforeHookCreation, naming each policy", () => {
    const [finding] = findingsOf([
      {
        path: "job.yaml",
        content: job(
          "    argocd.argoproj.io/hook: PreSync\n    argocd.argoproj.io/hook-delete-policy: HookSucceeded,HookFailed\n",
        ),
      },
    ]);

    expect(finding?.message).toContain("is a hook with delete policies HookSucceeded,HookFailed but not");
  });

  it.each([
    [
      "a policy that includes BeforeHookCreation",
      "    argocd.argoproj.io/hook-delete-policy: HookSucceeded,BeforeHookCreation\n",
    ],
    ["no explicit policy (BeforeHookCreation is the default)", ""],
  ])("is silent for %s", (_label, policy) => {
    expect(
      findingsOf([{ path: "job.yaml", content: job(`    argocd.argoproj.io/hook: PreSync\n${policy}`) }]),
    ).toEqual([]);
  });

  it("has no fix in a Helm template whose annotations Helm values complete", () => {
    const template = job(
      '    argocd.argoproj.io/hook: PreSync\n    argocd.argoproj.io/hook-delete-policy: HookSucceeded\n    team: "{{ .Values.team }}"\n',
    );

    const [finding] = findingsOf([{ path: "chart/templates/job.yaml", content: template }]);

    expect(finding?.fix).toBeNull();
    expect(finding?.noFixReason).toBe("the delete policy comes from Helm values");
  });

  it("leaves a delete policy a Kustomize patch sets to the patch, and says where it is", () => {
    const files = patched(
      "    argocd.argoproj.io/hook: PreSync\n",
      "argocd.argoproj.io/hook-delete-policy",
      "HookSucceeded",
    );

    const [finding] = findingsOf(files);

    expect(finding?.file).toBe("web/base/job.yaml");
    expect(finding?.fix).toBeNull();
    expect(finding?.noFixReason).toBe(
      "argocd.argoproj.io/hook-delete-policy is set by the Kustomize patch in web/overlays/prod/kustomization.yaml: change it there",
    );
  });

  it("names helm.sh/hook-delete-policy as the one to change when a patch sets only Helm's policy", () => {
    const files = patched("    helm.sh/hook: pre-upgrade\n", "helm.sh/hook-delete-policy", "hook-succeeded");

    const [finding] = findingsOf(files);

    expect(finding?.fix).toBeNull();
    expect(finding?.noFixReason).toBe(
      "helm.sh/hook-delete-policy is set by the Kustomize patch in web/overlays/prod/kustomization.yaml: change it there",
    );
  });
});
