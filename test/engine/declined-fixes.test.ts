import { describe, expect, it } from "@jest/globals";
import { fixRepository, scanRepository } from "../../src/engine/scan.js";
import { RULES } from "../../src/rules/index.js";

/** Two plain Jobs in one file: each has a safe fix of its own. */
function twoJobs(migrateImage: string): string {
  return `apiVersion: batch/v1
kind: Job
metadata:
  name: db-migrate
spec:
  template:
    spec:
      containers:
        - name: migrate
          image: ${migrateImage}
      restartPolicy: Never
---
apiVersion: batch/v1
kind: Job
metadata:
  name: cache-warm
spec:
  template:
    spec:
      containers:
        - name: warm
          image: warm:1
      restartPolicy: Never
`;
}

function findingsOf(content: string) {
  return scanRepository({ rules: RULES, files: [{ path: "jobs.yaml", content }] }).findings;
}

describe("fixes a person declined (a fix pull request closed unmerged)", () => {
  it("are left out of the fixed text, and only theirs: the other Job is still fixed", () => {
    const content = twoJobs("migrate:1");
    const findings = findingsOf(content);
    const migrate = findings.filter((f) => f.name === "db-migrate" && f.fix?.kind === "safe");
    expect(migrate.length).toBeGreaterThan(0);

    const all = fixRepository({ rules: RULES, files: [{ path: "jobs.yaml", content }] }).fixes;
    const declined = fixRepository({
      rules: RULES,
      files: [{ path: "jobs.yaml", content }],
      declinedFixes: migrate,
    }).fixes;

    expect(declined).toHaveLength(1);
    const [first, second] = declined[0]!.after.split("---\n");
    const [allFirst, allSecond] = all[0]!.after.split("---\n");
    expect(first).toBe(content.split("---\n")[0]);
    expect(allFirst).not.toBe(first);
    expect(second).toBe(allSecond);
    expect(declined[0]!.resolved.map((f) => f.name)).toEqual(expect.arrayContaining(["cache-warm"]));
    expect(declined[0]!.resolved.some((f) => f.name === "db-migrate")).toBe(false);
  });

  it("declining every fix of the repository leaves no file to change, while the findings are still reported", () => {
    const content = twoJobs("migrate:1");
    const findings = findingsOf(content);
    const { fixes, result } = fixRepository({
      rules: RULES,
      files: [{ path: "jobs.yaml", content }],
      declinedFixes: findings,
    });
    expect(fixes).toEqual([]);
    expect(result.findings).toEqual(findings);
  });
});

it("a declined fix comes back once its Job is edited", () => {
  const declinedOn = findingsOf(twoJobs("migrate:1"));
  const content = twoJobs("migrate:2");
  const { fixes } = fixRepository({
    rules: RULES,
    files: [{ path: "jobs.yaml", content }],
    declinedFixes: declinedOn,
  });
  expect(fixes[0]?.resolved.map((f) => f.name)).toContain("db-migrate");
  expect(fixes[0]?.resolved.map((f) => f.name)).not.toContain("cache-warm");
});

describe("a finding's object digest", () => {
  it("changes when its Job is edited, and not when another Job of the file is", () => {
    const before = findingsOf(twoJobs("migrate:1"));
    const after = findingsOf(twoJobs("migrate:2"));
    const digest = (list: typeof before, name: string) => list.find((f) => f.name === name)?.objectDigest;

    expect(digest(after, "db-migrate")).not.toBe(digest(before, "db-migrate"));
    expect(digest(after, "cache-warm")).toBe(digest(before, "cache-warm"));
    // The fingerprint names the Job and the problem, so it survives the edit.
    const fingerprint = (list: typeof before) => list.find((f) => f.name === "db-migrate")?.fingerprint;
    expect(fingerprint(after)).toBe(fingerprint(before));
  });
});
