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
  ])("%s: reported %s", (_label, annotations, expected) => {
    expect(reported(annotations)).toBe(expected);
  });
});
