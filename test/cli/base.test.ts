import { afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../../src/cli/main.js";
import type { JsonReport } from "../../src/render/json.js";
import { recordingIo } from "../helpers/cli-io.js";

function job(name: string, image: string, extra = ""): string {
  return `apiVersion: batch/v1
kind: Job
metadata:
  name: ${name}
spec:
  backoffLimit: 2${extra}
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: migrate
          image: ${image}
`;
}

describe("scan --base GIT-REF", () => {
  let repo: string;
  const git = (...args: string[]) =>
    execFileSync("git", ["-c", "user.name=test", "-c", "user.email=test@example.com", "-C", repo, ...args], {
      stdio: "pipe",
    });

  beforeEach(() => {
    repo = mkdtempSync(join(tmpdir(), "ajg-base-"));
    git("init", "-q", "-b", "main");
    mkdirSync(join(repo, "jobs"));
    writeFileSync(join(repo, "jobs", "migrate.yaml"), job("db-migrate", "app:1.0"));
    writeFileSync(join(repo, "jobs", "report.yaml"), job("report", "app:1.0"));
    git("add", "-A");
    git("commit", "-q", "-m", "base");
  });

  afterEach(() => {
    rmSync(repo, { recursive: true, force: true });
  });

  async function scanAgainstHead(): Promise<{ code: number; report: JsonReport }> {
    const io = recordingIo(repo);
    const code = await runCli(["scan", "--format", "json", "--base", "HEAD"], io);
    return { code, report: JSON.parse(io.out()) as JsonReport };
  }

  it("reports an image bump on a plain Job as the sync failure it will be", async () => {
    writeFileSync(join(repo, "jobs", "migrate.yaml"), job("db-migrate", "app:1.1"));

    const { code, report } = await scanAgainstHead();

    expect(code).toBe(1);
    expect(report.findings.map((f) => [f.file, f.rule, f.severity])).toEqual([
      ["jobs/migrate.yaml", "immutable-change", "error"],
      ["jobs/report.yaml", "plain-job", "warning"],
    ]);
    expect(report.findings[0]?.message).toContain("spec.template (spec.template.spec.containers[0].image)");
    expect(report.findings[0]?.message).toContain(
      'Job.batch "db-migrate" is invalid: spec.template: Invalid value',
    );
  });

  it("mutable fields, a renamed Job and a Job moved to another file are not immutable changes", async () => {
    writeFileSync(
      join(repo, "jobs", "migrate.yaml"),
      job("db-migrate", "app:1.0", "\n  parallelism: 2\n  activeDeadlineSeconds: 600"),
    );
    writeFileSync(join(repo, "jobs", "report.yaml"), job("report-v2", "app:1.1"));
    git("mv", "jobs/migrate.yaml", "jobs/moved.yaml");

    const { report } = await scanAgainstHead();

    expect(report.findings.map((f) => [f.file, f.rule])).toEqual([
      ["jobs/moved.yaml", "plain-job"],
      ["jobs/report.yaml", "plain-job"],
    ]);
  });

  it("matches a Job moved between files by kind, namespace and name", async () => {
    renameSync(join(repo, "jobs", "migrate.yaml"), join(repo, "jobs", "all.yaml"));
    writeFileSync(
      join(repo, "jobs", "all.yaml"),
      `${job("other", "x:1")}---\n${job("db-migrate", "app:2.0")}`,
    );

    const { report } = await scanAgainstHead();

    expect(report.findings.filter((f) => f.rule === "immutable-change").map((f) => [f.file, f.name])).toEqual(
      [["jobs/all.yaml", "db-migrate"]],
    );
  });

  it("outside a git repository, or with an unknown ref, is a usage error with a clear message", async () => {
    const plain = mkdtempSync(join(tmpdir(), "ajg-nogit-"));
    const outside = recordingIo(plain);
    const unknown = recordingIo(repo);

    const outsideCode = await runCli(["scan", "--base", "main"], outside);
    const unknownCode = await runCli(["scan", "--base", "no-such-branch"], unknown);
    rmSync(plain, { recursive: true, force: true });

    expect(outsideCode).toBe(2);
    expect(outside.err()).toContain("--base needs a git repository");
    expect(unknownCode).toBe(2);
    expect(unknown.err()).toContain("--base no-such-branch: no such commit, branch or tag");
  });
});
