import { describe, expect, it } from "@jest/globals";
import { parseConfigText, type Config } from "../../src/config/schema.js";
import { scanRepository } from "../../src/engine/scan.js";
import { RULE_IDS, RULES } from "../../src/rules/index.js";

/** The plain-Job family (plain-job, ttl-on-plain-job, force-ineffective, replace-without-force, immutable-change). */

function config(text: string): Config {
  const result = parseConfigText(text, ".argocd-job-guard.yaml", RULE_IDS);
  if (!result.ok) throw new Error(result.errors.join("\n"));
  return result.config;
}

const job = (annotations: string, spec = "", image = "busybox:1.36") => `apiVersion: batch/v1
kind: Job
metadata:
  name: report
${annotations ? `  annotations:\n${annotations}` : ""}spec:
${spec}  template:
    spec:
      restartPolicy: Never
      containers:
        - name: main
          image: ${image}
`;

describe("immutable-change: only a Job still in the cluster can be refused", () => {
  it.each<[string, boolean, string]>([
    ["the base was a plain Job", true, ""],
    [
      "the base was a hook that keeps its last run (BeforeHookCreation)",
      true,
      "    argocd.argoproj.io/hook: Sync\n",
    ],
    [
      "the base was a hook deleted once it succeeded (HookSucceeded)",
      false,
      "    argocd.argoproj.io/hook: Sync\n    argocd.argoproj.io/hook-delete-policy: HookSucceeded\n",
    ],
  ])("%s: reported %s", (_label, expected, baseAnnotations) => {
    const findings = scanRepository({
      rules: RULES,
      files: [{ path: "job.yaml", content: job("", "", "busybox:1.37") }],
      baseFiles: [{ path: "job.yaml", content: job(baseAnnotations) }],
    }).findings;

    expect(findings.some((f) => f.rule === "immutable-change")).toBe(expected);
  });
});

describe("ttl-on-plain-job", () => {
  it("never offers Force=true, which re-creates a Job its TTL deletes again, even when force is the configured strategy", () => {
    const content = job("", "  ttlSecondsAfterFinished: 600\n");

    const [finding] = scanRepository({
      rules: RULES,
      files: [{ path: "job.yaml", content }],
      config: config("fix:\n  strategy: force\n"),
    }).findings;

    expect(finding?.rule).toBe("ttl-on-plain-job");
    expect(finding?.fix?.description).toMatch(
      /^The force strategy is not offered because a re-created Job would still be deleted after its TTL\. Make the Job a Sync hook/,
    );
    expect(finding?.fix?.diff).toContain("+    argocd.argoproj.io/hook: Sync\n");
    expect(finding?.fix?.diff).not.toContain("Force=true");
  });
});

describe("plain-job and Force=true", () => {
  const forcedUnderServerSideApply = job(
    "    argocd.argoproj.io/sync-options: Force=true,ServerSideApply=true\n",
  );

  it("a Force=true Job under server-side apply is reported once, by force-ineffective, the more specific rule", () => {
    const findings = scanRepository({
      rules: RULES,
      files: [{ path: "job.yaml", content: forcedUnderServerSideApply }],
    }).findings;

    expect(findings.map((f) => f.rule)).toEqual(["force-ineffective"]);
  });

  it("with force-ineffective off, plain-job still reports it: Force=true does not save it under server-side apply", () => {
    const findings = scanRepository({
      rules: RULES,
      files: [{ path: "job.yaml", content: forcedUnderServerSideApply }],
      config: config('rules:\n  force-ineffective: "off"\n'),
    }).findings;

    expect(findings.map((f) => f.rule)).toEqual(["plain-job"]);
  });

  it("a Force=true Job under client-side apply is not reported: kubectl re-creates it when the patch is refused", () => {
    const content = job("    argocd.argoproj.io/sync-options: Force=true\n");

    expect(scanRepository({ rules: RULES, files: [{ path: "job.yaml", content }] }).findings).toEqual([]);
  });
});
