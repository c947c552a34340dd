import { describe, expect, it } from "@jest/globals";
import { RULES } from "../../src/rules/index.js";
import { fixRepository, scanRepository } from "../../src/engine/scan.js";

describe("a fix is re-scanned before it is proposed", () => {
  it("is withdrawn when its result would bring up a finding that has no fix", () => {
    // As a hook, this generateName would be too long for the name Argo CD builds from it (job-name-too-long).
    const job = `apiVersion: batch/v1
kind: Job
metadata:
  generateName: payments-ledger-reconciliation-nightly-
spec:
  template:
    spec:
      restartPolicy: Never
`;

    const result = scanRepository({ rules: RULES, files: [{ path: "job.yaml", content: job }] });
    const { fixes } = fixRepository({ rules: RULES, files: [{ path: "job.yaml", content: job }] });

    expect(result.findings.map((f) => [f.rule, f.fix])).toEqual([["generate-name-without-hook", null]]);
    expect(result.findings[0]?.noFixReason).toBe(
      "no automatic fix: it would bring up job-name-too-long, which has no fix",
    );
    expect(fixes).toEqual([]);
  });

  it("keeps a fix whose result asks for another fix, applied in the next pass", () => {
    const job = `apiVersion: batch/v1
kind: Job
metadata:
  name: db-migrate
  annotations:
    argocd.argoproj.io/hook: PreSync
    argocd.argoproj.io/hook-delete-policy: hook-succeeded
spec:
  template:
    spec:
      restartPolicy: Never
`;

    const { result, fixes } = fixRepository({ rules: RULES, files: [{ path: "job.yaml", content: job }] });

    expect(result.findings.map((f) => [f.rule, f.fix?.kind])).toEqual([["invalid-hook-annotation", "safe"]]);
    expect(fixes[0]?.after).toContain(
      "argocd.argoproj.io/hook-delete-policy: HookSucceeded,BeforeHookCreation\n",
    );
  });

  it("tells apart two findings of one rule on one Job, so each keeps its fix", () => {
    const job = `apiVersion: batch/v1
kind: Job
metadata:
  name: db-migrate
  annotations:
    argocd.argoproj.io/hook: presync
    argocd.argoproj.io/hook-delete-policy: before-hook-creation
spec:
  template:
    spec:
      restartPolicy: Never
`;

    const { result, fixes } = fixRepository({ rules: RULES, files: [{ path: "job.yaml", content: job }] });

    expect(result.findings.map((f) => [f.rule, f.fix?.kind, f.location.line])).toEqual([
      ["invalid-hook-annotation", "safe", 6],
      ["invalid-hook-annotation", "safe", 7],
    ]);
    expect(new Set(result.findings.map((f) => f.fingerprint)).size).toBe(2);
    expect(fixes[0]?.after).toContain(
      "hook: PreSync\n    argocd.argoproj.io/hook-delete-policy: BeforeHookCreation\n",
    );
  });
});
