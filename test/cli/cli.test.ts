import { afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../../src/cli/main.js";
import type { JsonReport } from "../../src/render/json.js";
import { recordingIo } from "../helpers/cli-io.js";

const EXAMPLE = join(import.meta.dirname, "..", "..", "examples", "gitops-repo");
const EXAMPLE_URL = ["--repo-url", "https://github.com/example-org/gitops-repo.git"];

describe("argocd-job-guard scan", () => {
  let work: string;

  beforeEach(() => {
    work = mkdtempSync(join(tmpdir(), "ajg-cli-"));
  });

  afterEach(() => {
    rmSync(work, { recursive: true, force: true });
  });

  it("reports the example repository's Jobs as JSON, with the documented shape", async () => {
    const io = recordingIo(EXAMPLE);

    const code = await runCli(["scan", "--format", "json", ...EXAMPLE_URL], io);

    const report = JSON.parse(io.out()) as JsonReport;
    expect(code).toBe(0);
    expect(report.findings.map((f) => [f.file, f.rule, f.severity])).toEqual([
      ["apps/shop-api/db-migrate-job.yaml", "plain-job", "warning"],
      ["charts/billing/templates/migrate-job.yaml", "plain-job", "warning"],
      ["kustomize/web/base/warm-cache-job.yaml", "ttl-on-plain-job", "warning"],
    ]);
    const first = report.findings[0];
    expect(Object.keys(first ?? {}).sort()).toEqual(
      [
        "rule",
        "severity",
        "file",
        "line",
        "column",
        "endLine",
        "kind",
        "name",
        "namespace",
        "message",
        "docs",
        "fingerprint",
        "fix",
      ].sort(),
    );
    expect(first?.fix?.diff).toContain("+    argocd.argoproj.io/hook: PreSync");
    expect(report.apps.map((a) => [a.name, a.paths])).toEqual([
      ["billing", ["charts/billing"]],
      ["root", ["argocd"]],
      ["shop-api", ["apps/shop-api"]],
      ["web-prod", ["kustomize/web/overlays/prod"]],
    ]);
    expect(report.files.skipped).toEqual([]);
  });

  it("text output names file:line, rule and docs; colour only on a TTY", async () => {
    const plain = recordingIo(EXAMPLE, false);
    const tty = recordingIo(EXAMPLE, true);

    await runCli(["scan", ...EXAMPLE_URL], plain);
    await runCli(["scan", ...EXAMPLE_URL], tty);

    expect(plain.out()).toContain("apps/shop-api/db-migrate-job.yaml:4:1  warning  plain-job");
    expect(plain.out()).toContain("docs/rules/plain-job.md");
    expect(plain.out()).toContain("3 problems (0 errors, 3 warnings, 0 info)");
    expect(plain.out()).not.toContain("\u001b[");
    expect(tty.out()).toContain("\u001b[32m+    argocd.argoproj.io/hook: PreSync");
  });

  it("--fail-on warning turns warnings into exit code 1", async () => {
    expect(await runCli(["scan", "--fail-on", "warning", ...EXAMPLE_URL], recordingIo(EXAMPLE))).toBe(1);
    expect(await runCli(["scan", "--fail-on", "error", ...EXAMPLE_URL], recordingIo(EXAMPLE))).toBe(0);
  });

  it("--fix writes minimal edits, and a second scan is clean", async () => {
    cpSync(EXAMPLE, work, { recursive: true });
    const before = readFileSync(join(work, "apps/shop-api/db-migrate-job.yaml"), "utf8");

    const code = await runCli(["scan", "--fix", "--fail-on", "info", ...EXAMPLE_URL], recordingIo(work));
    const after = readFileSync(join(work, "apps/shop-api/db-migrate-job.yaml"), "utf8");
    const rescan = recordingIo(work);
    await runCli(["scan", "--format", "json", ...EXAMPLE_URL], rescan);

    expect(code).toBe(0);
    expect(after.split("\n").filter((line) => !before.split("\n").includes(line))).toEqual([
      "  annotations:",
      "    argocd.argoproj.io/hook: PreSync",
      "    argocd.argoproj.io/hook-delete-policy: BeforeHookCreation",
    ]);
    expect((JSON.parse(rescan.out()) as JsonReport).findings).toEqual([]);
  });

  it("--fix-dry-run prints the diffs and writes nothing", async () => {
    cpSync(EXAMPLE, work, { recursive: true });
    const io = recordingIo(work);

    await runCli(["scan", "--fix-dry-run", ...EXAMPLE_URL], io);

    expect(io.out()).toContain("Fixes that --fix would apply:");
    expect(io.out()).toContain("+++ b/kustomize/web/base/warm-cache-job.yaml");
    expect(readFileSync(join(work, "kustomize/web/base/warm-cache-job.yaml"), "utf8")).toBe(
      readFileSync(join(EXAMPLE, "kustomize/web/base/warm-cache-job.yaml"), "utf8"),
    );
  });

  it("reads the repository config and reports an invalid one as a usage error", async () => {
    mkdirSync(join(work, ".github"));
    writeFileSync(join(work, "job.yaml"), "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: x\n");
    writeFileSync(join(work, ".github", "argocd-job-guard.yml"), "rules:\n  plain-job: error\n");
    const strict = recordingIo(work);

    const strictCode = await runCli(["scan"], strict);
    writeFileSync(
      join(work, ".github", "argocd-job-guard.yml"),
      "rules:\n  plain-jobs: error\nfix:\n  strategy: rename\n",
    );
    const invalid = recordingIo(work);
    const invalidCode = await runCli(["scan"], invalid);

    expect(strictCode).toBe(1);
    expect(strict.out()).toContain("error  plain-job");
    expect(invalidCode).toBe(2);
    expect(invalid.err()).toContain("fix.strategy: Invalid option");
    expect(invalid.err()).toContain("rules.plain-jobs: unknown rule id");
  });

  it.each([
    [["scan", "--format", "xml"], "--format must be one of text, json"],
    [["scan", "--fix", "--fix-dry-run"], "cannot be used together"],
    [["lint"], 'unknown command "lint"'],
    [["scan", "--no-such-flag"], "unknown option --no-such-flag"],
    [["scan", "does-not-exist"], "no such directory or file: does-not-exist"],
    [["scan", "--config", "missing.yml"], "cannot read config"],
  ])("usage and I/O errors exit 2: %j", async (argv, message) => {
    const io = recordingIo(work);

    const code = await runCli(argv, io);

    expect(code).toBe(2);
    expect(io.err()).toContain(message);
  });
});
