import { describe, expect, it } from "@jest/globals";
import { chmodSync, cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, sep } from "node:path";
import { runCli } from "../src/cli/main.js";
import type { JsonReport } from "../src/render/json.js";
import { recordingIo } from "./helpers/cli-io.js";
import { CORPUS, corpusPresentOrSayWhy } from "./helpers/corpus.js";

/** Real manifests from 21 public GitOps repositories (SOURCES.md in the corpus). Read in place, never copied. */
const corpusPresent = corpusPresentOrSayWhy("the corpus of real GitOps repositories");

interface CorpusJob {
  file: string;
  startLine: number;
  name: string | null;
  annotations: Record<string, string>;
  argocdApp: string | null;
  isKustomizePatch: boolean;
  notes: string | null;
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? listFiles(join(dir, entry.name))
      : [relative(CORPUS, join(dir, entry.name)).split(sep).join("/")],
  );
}

/*
 * Scanning the corpus takes 2-3 s on an idle machine and 9-16 s on a loaded 2-core one; Jest's default of 5 s
 * failed it there. The budgets are generous on purpose: they only have to stop a scan that hangs.
 */
const SCAN_BUDGET = 120_000;
/** --fix copies the corpus, scans, writes and scans it again. */
const FIX_BUDGET = 240_000;

(corpusPresent ? describe : describe.skip)("the corpus of real GitOps repositories", () => {
  // A skipped describe still runs its body to collect the tests: it must not read a missing corpus.
  const roots = (corpusPresent ? readdirSync(CORPUS, { withFileTypes: true }) : [])
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  let report: JsonReport;
  let exitCode: number;

  it(
    "is scanned through the CLI without a crash",
    async () => {
      const io = recordingIo(CORPUS);

      exitCode = await runCli(["scan", "--format", "json", ...roots], io);

      report = JSON.parse(io.out()) as JsonReport;
      expect(io.err()).toBe("");
      expect([0, 1]).toContain(exitCode);
      expect(roots).toHaveLength(21);
    },
    SCAN_BUDGET,
  );

  it("analyses or skips, with a reason, every manifest file", () => {
    // What the engine reads: YAML and JSON, and Helm templates with other extensions (not `_helpers`-style partials).
    const manifests = listFiles(CORPUS).filter(
      (file) =>
        file.includes("/") &&
        (/\.(ya?ml|json)$/.test(file) || /\/templates\/(.*\/)?[^_/][^/]*\.tpl$/.test(file)),
    );
    const skipped = new Set(report.files.skipped.map((s) => `${s.root ?? ""}/${s.file}`));

    expect(
      report.files.scanned + report.files.skipped.filter((s) => !s.reason.startsWith("partly")).length,
    ).toBe(manifests.length);
    expect(report.files.skipped.every((s) => s.reason.length > 10)).toBe(true);
    expect(skipped.size).toBeLessThan(manifests.length / 20);
  });

  it("finds every plain Job that an Argo CD Application deploys (jobs.json)", () => {
    const jobs = JSON.parse(readFileSync(join(CORPUS, "jobs.json"), "utf8")) as CorpusJob[];
    // jobs.json marks as "not reachable" Jobs that sit in an app's directory but that its kustomization leaves out
    // (commented out of `resources`): Argo CD does not deploy them, so they are rightly not reported.
    const expected = jobs.filter(
      (job) =>
        job.argocdApp !== null &&
        !job.isKustomizePatch &&
        !("argocd.argoproj.io/hook" in job.annotations) &&
        !("helm.sh/hook" in job.annotations) &&
        !(job.notes ?? "").includes("Not reachable"),
    );
    const found = (job: CorpusJob) =>
      report.findings.some(
        (f) =>
          `${f.root ?? ""}/${f.file}` === job.file && f.line >= job.startLine && f.line <= job.startLine + 10,
      );

    expect(expected.length).toBeGreaterThanOrEqual(13);
    expect(expected.filter((job) => !found(job)).map((job) => job.file)).toEqual([]);
  });

  it("shows Helm template values as written, never the mask used to parse them", () => {
    const masked = report.findings.filter((f) =>
      `${f.message} ${f.name ?? ""} ${f.fix?.diff ?? ""}`.includes("\u00a7"),
    );

    expect(masked.map((f) => `${f.file}: ${f.rule}`)).toEqual([]);
  });

  it("reports nothing on Jobs that are correct hooks with BeforeHookCreation", () => {
    const jobs = JSON.parse(readFileSync(join(CORPUS, "jobs.json"), "utf8")) as CorpusJob[];
    const safeHooks = jobs.filter((job) => {
      const hook = job.annotations["argocd.argoproj.io/hook"];
      return (
        hook === "PreSync" &&
        job.annotations["argocd.argoproj.io/hook-delete-policy"] === "BeforeHookCreation"
      );
    });
    const reportedOn = (job: CorpusJob) =>
      report.findings.filter(
        (f) =>
          `${f.root ?? ""}/${f.file}` === job.file &&
          f.line >= job.startLine &&
          f.line <= job.startLine + 5 &&
          f.rule !== "helm-install-only-hook",
      );

    expect(safeHooks.length).toBeGreaterThan(3);
    expect(safeHooks.flatMap(reportedOn)).toEqual([]);
  });

  it(
    "--fix on a copy fixes every safe finding, losing no line, and a second scan finds nothing left to fix",
    async () => {
      const copy = mkdtempSync(join(tmpdir(), "ajg-corpus-"));
      cpSync(CORPUS, copy, { recursive: true });
      chmodTree(copy);

      await runCli(["scan", "--fix", ...roots], recordingIo(copy));
      const rescan = recordingIo(copy);
      await runCli(["scan", "--format", "json", ...roots], rescan);
      const changed = listFiles(CORPUS).filter(
        (file) => readFileSync(join(CORPUS, file), "utf8") !== readFileSync(join(copy, file), "utf8"),
      );
      // A line may only be extended in place (a token appended to a policy list); nothing is lost.
      const lostLines = changed.flatMap((file) => {
        const afterLines = readFileSync(join(copy, file), "utf8").split("\n");
        const after = new Set(afterLines);
        return readFileSync(join(CORPUS, file), "utf8")
          .split("\n")
          .filter((line) => !after.has(line) && !afterLines.some((a) => a.startsWith(line.trimEnd())));
      });
      const after = JSON.parse(rescan.out()) as JsonReport;
      rmSync(copy, { recursive: true, force: true });

      expect(changed.length).toBe(report.findings.filter((f) => f.fix?.safe).length);
      expect(lostLines).toEqual([]);
      expect(after.findings.filter((f) => f.fix?.safe)).toEqual([]);
      expect(after.files.skipped).toEqual(report.files.skipped);
    },
    FIX_BUDGET,
  );
});

function chmodTree(dir: string): void {
  chmodSync(dir, 0o755);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) chmodTree(path);
    else chmodSync(path, 0o644);
  }
}
