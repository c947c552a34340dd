import { describe, expect, it } from "@jest/globals";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fixRepository } from "../../src/engine/scan.js";
import {
  withFixPullRequestRecord,
  readFixPullRequestRecord,
  renderFixPullRequest,
} from "../../src/render/fix-pull-request.js";
import { RULES } from "../../src/rules/index.js";

const GOLDEN = join(import.meta.dirname, "..", "fixtures", "render", "fix-pull-request.md");

const job = (name: string, extra = "") => `apiVersion: batch/v1
kind: Job
metadata:
  name: ${name}${extra}
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: main
          image: app:1.0
`;

describe("the fix pull request's text", () => {
  const { fixes } = fixRepository({
    files: [
      { path: "apps/db-migrate.yaml", content: job("db-migrate") },
      { path: "apps/report.yaml", content: job("report") },
      {
        path: "apps/seed.yaml",
        // A misspelt delete policy: fixed in two passes (the policy, then BeforeHookCreation) on one Job.
        content: job(
          "seed",
          "\n  annotations:\n    argocd.argoproj.io/hook: Sync\n    argocd.argoproj.io/hook-delete-policy: hook-succeeded",
        ),
      },
    ],
    rules: RULES,
  });
  const findings = fixes.flatMap((fix) => fix.resolved);
  const text = renderFixPullRequest(findings, {
    baseBranch: "main",
    baseSha: "a".repeat(40),
    head: "d".repeat(40),
    notCommitted: [".github/workflows/ci-job.yaml"],
  });

  it("matches the golden file (UPDATE_GOLDEN=1 rewrites it: review the diff)", () => {
    const rendered = `# ${text.title}\n\n${text.body}\n`;
    if (process.env.UPDATE_GOLDEN) writeFileSync(GOLDEN, rendered);

    expect(rendered).toBe(readFileSync(GOLDEN, "utf8"));
  });

  it("counts the Jobs it fixes in its title", () => {
    expect(text.title).toBe("Fix 3 Argo CD Jobs that would fail to sync");
  });

  it("records the commit, each finding's fingerprint and its Job's digest, read back from the body", () => {
    expect(readFixPullRequestRecord(text.body)).toEqual({
      head: "d".repeat(40),
      fingerprints: [...new Set(findings.map((f) => f.fingerprint))].sort(),
      digests: Object.fromEntries(findings.map((f) => [f.fingerprint, f.objectDigest])),
    });
    expect(readFixPullRequestRecord("a body a person rewrote")).toBeNull();
    expect(readFixPullRequestRecord("<!-- argocd-job-guard:fix-pr {not json} -->")).toBeNull();
  });

  it("replaces only the record when the app edits a body, whatever a person wrote around it", () => {
    const edited = `A person's words.\n\n${text.body}\n\nMore words.`;
    const record = { ...readFixPullRequestRecord(text.body)!, declinedBy: "alice" };

    const rewritten = withFixPullRequestRecord(edited, record);

    expect(readFixPullRequestRecord(rewritten)).toEqual(record);
    expect(rewritten.replace(/<!-- argocd-job-guard:fix-pr .* -->/, "")).toBe(
      edited.replace(/<!-- argocd-job-guard:fix-pr .* -->/, ""),
    );
    // A body whose record a person deleted gets it back at the end.
    expect(readFixPullRequestRecord(withFixPullRequestRecord("just text", record))).toEqual(record);
  });
});
