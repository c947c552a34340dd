import { describe, expect, it } from "@jest/globals";
import { scanRepository } from "../../src/engine/scan.js";
import { RULES } from "../../src/rules/index.js";

/** Which migration hooks run too late, by phase and by wave read as Argo CD reads it (docs/argocd-and-jobs.md, "Waves"). */
function reported(annotations: Record<string, string>): boolean {
  const lines = Object.entries(annotations)
    .map(([key, value]) => `    ${key}: "${value}"\n`)
    .join("");
  const content = `apiVersion: batch/v1
kind: Job
metadata:
  name: db-migrate
  annotations:
${lines}spec:
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: migrate
          image: flyway/flyway:10
`;
  return scanRepository({ rules: RULES, files: [{ path: "job.yaml", content }] }).findings.some(
    (f) => f.rule === "migration-not-presync",
  );
}

const HOOK = "argocd.argoproj.io/hook";
const WAVE = "argocd.argoproj.io/sync-wave";

describe("migration-not-presync", () => {
  it.each<[string, Record<string, string>, boolean]>([
    ["a Sync hook in wave 0", { [HOOK]: "Sync" }, true],
    [
      "a PostSync hook in a negative wave: PostSync runs after the app whatever its wave",
      { [HOOK]: "PostSync", [WAVE]: "-1" },
      true,
    ],
    [
      "a Sync hook in a negative wave runs before the wave-0 Deployments",
      { [HOOK]: "Sync", [WAVE]: "-1" },
      false,
    ],
    ["a Sync hook in wave -10", { [HOOK]: "Sync", [WAVE]: "-10" }, false],
    [
      "a Sync,PostSync hook in a negative wave still runs after the app as PostSync",
      { [HOOK]: "Sync,PostSync", [WAVE]: "-1" },
      true,
    ],
    [
      "a wave that is not an integer is 0 (Argo CD's strconv.Atoi fails)",
      { [HOOK]: "Sync", [WAVE]: "-1a" },
      true,
    ],
    [
      "without an integer sync-wave, helm.sh/hook-weight is the wave",
      { [HOOK]: "Sync", [WAVE]: "early", "helm.sh/hook-weight": "-2" },
      false,
    ],
    ["a PreSync hook", { [HOOK]: "PreSync" }, false],
    ["a SyncFail hook runs only when a sync fails", { [HOOK]: "SyncFail" }, false],
    ["a Sync,SyncFail hook runs as Sync on every sync", { [HOOK]: "Sync,SyncFail" }, true],
  ])("%s: reported %s", (_label, annotations, expected) => {
    expect(reported(annotations)).toBe(expected);
  });
});

describe("migration-not-presync's suggestion", () => {
  it("leaves a hook phase a Kustomize patch sets to the patch, and says where it is", () => {
    const repo = "https://github.com/example/gitops.git";
    const application = `apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: prod\nspec:\n  source:\n    repoURL: ${repo}\n    path: db/overlays/prod\n`;
    const overlay =
      "resources:\n  - ../../base\npatches:\n  - target:\n      kind: Job\n      name: db-migrate\n    patch: |-\n      - op: add\n        path: /metadata/annotations/argocd.argoproj.io~1hook\n        value: Sync\n";
    const base =
      "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: db-migrate\n  annotations:\n    team: payments\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n        - name: migrate\n          image: flyway/flyway:10\n";
    const files = [
      { path: "argocd/prod.yaml", content: application },
      { path: "db/base/kustomization.yaml", content: "resources:\n  - job.yaml\n" },
      { path: "db/base/job.yaml", content: base },
      { path: "db/overlays/prod/kustomization.yaml", content: overlay },
    ];

    const finding = scanRepository({ rules: RULES, files, repoUrl: repo }).findings.find(
      (f) => f.rule === "migration-not-presync",
    );

    expect(finding?.fix).toBeNull();
    expect(finding?.noFixReason).toBe(
      "argocd.argoproj.io/hook is set by the Kustomize patch in db/overlays/prod/kustomization.yaml: change it there",
    );
  });
});
