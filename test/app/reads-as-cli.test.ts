import { afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import nock from "nock";
import { ProbotOctokit } from "probot";
import { scanCommit } from "../../src/app/scan-commit.js";
import { runCli } from "../../src/cli/main.js";
import { readRepository } from "../../src/cli/read-repository.js";
import { DEFAULT_CONFIG } from "../../src/config/schema.js";
import { isManifestPath } from "../../src/engine/manifest-path.js";
import { renderJson, type JsonReport } from "../../src/render/json.js";
import { tarballOfDirectory } from "../helpers/archive.js";
import { API, mockArchive, setUpNock, tearDownNock } from "../helpers/github-mock.js";
import { recordingIo } from "../helpers/cli-io.js";
import { CORPUS, corpusPresentOrSayWhy } from "../helpers/corpus.js";

/**
 * The App's promise: its findings on a commit are the CLI's on a checkout of that commit, restricted to the changed
 * files. Each repository is served as GitHub serves a commit (the archive behind a redirect) and read by the App's
 * own scan path; the CLI scans the same directory.
 */
const EXAMPLES = join(import.meta.dirname, "..", "..", "examples");
const SHA = "3333333333333333333333333333333333333333";
const REF = { owner: "acme", repo: "gitops" };

const repositories: [string, string][] = [
  ["examples/gitops-repo", join(EXAMPLES, "gitops-repo")],
  ...(corpusPresentOrSayWhy("the App/CLI equality on the corpus (checked on the examples only)")
    ? readdirSync(CORPUS, { withFileTypes: true })
        .filter((entry) => entry.isDirectory())
        .map((entry): [string, string] => [`corpus/${entry.name}`, join(CORPUS, entry.name)])
        .sort()
    : []),
];

async function cliReport(root: string): Promise<JsonReport> {
  const io = recordingIo(root);
  const exitCode = await runCli(["scan", "--format", "json", "."], io);
  expect([0, 1]).toContain(exitCode);
  return JSON.parse(io.out()) as JsonReport;
}

async function appReport(root: string, changed: readonly string[]): Promise<JsonReport> {
  mockArchive(nock(API), `${REF.owner}/${REF.repo}`, SHA, tarballOfDirectory(root));
  const octokit = new ProbotOctokit({ auth: "test-token", retry: { enabled: false } });
  const scan = await scanCommit(octokit, REF, DEFAULT_CONFIG, {
    headSha: SHA,
    baseSha: null,
    changed: changed.map((path) => ({ path, status: "added" as const })),
    repoUrl: null,
  });
  expect(scan.readNotes).toEqual([]);
  return renderJson([{ root: null, result: scan.result }]);
}

describe("the App reads a commit as the CLI reads a checkout", () => {
  beforeEach(setUpNock);
  afterEach(() => {
    expect(tearDownNock()).toEqual([]);
  });

  it.each(repositories)(
    "%s: the same findings, fixes, applications and skipped files",
    async (_name, root) => {
      // The CLI reads its configuration from the checkout; these repositories have none, nor does the App's call.
      expect(existsSync(join(root, ".github", "argocd-job-guard.yml"))).toBe(false);
      const manifests = (await readRepository(root)).files.map((file) => file.path).filter(isManifestPath);
      const cli = await cliReport(root);

      const everything = await appReport(root, manifests);
      expect(everything).toEqual(cli);

      // A push changes some files: the App reports exactly the CLI's findings on those.
      const changed = manifests.filter((_path, index) => index % 3 === 0);
      const some = await appReport(root, changed);
      expect(some.findings).toEqual(cli.findings.filter((finding) => changed.includes(finding.file)));
      expect(some.apps).toEqual(cli.apps);
    },
    30_000,
  );

  it("a repository with hostile files: the same skipped files and reasons", async () => {
    const root = mkdtempSync(join(tmpdir(), "hostile-"));
    try {
      const job = "apiVersion: batch/v1\r\nkind: Job\r\nmetadata:\r\n  name: migrate\r\nspec: {}";
      mkdirSync(join(root, "apps"));
      writeFileSync(join(root, "apps", "migrate.yaml"), job);
      writeFileSync(
        join(root, "apps", "huge.yaml"),
        `a: ${"x".repeat(DEFAULT_CONFIG.limits.maxFileBytes)}\n`,
      );
      writeFileSync(join(root, "apps", "binary.yaml"), Buffer.from([0x6b, 0x00, 0xff, 0xfe]));
      writeFileSync(join(root, "apps", "broken.yaml"), "kind: Job\nmetadata: [\n");
      symlinkSync("/etc/hostname", join(root, "apps", "linked.yaml"));
      symlinkSync("..", join(root, "apps", "loop"));
      const manifests = ["apps/binary.yaml", "apps/broken.yaml", "apps/huge.yaml", "apps/migrate.yaml"];
      const cli = await cliReport(root);

      const app = await appReport(root, manifests);

      expect(app).toEqual(cli);
      expect(cli.files.skipped.map((skipped) => skipped.file)).toEqual([
        "apps/binary.yaml",
        "apps/broken.yaml",
        "apps/huge.yaml",
        "apps/linked.yaml",
      ]);
      expect(cli.findings.map((finding) => [finding.file, finding.rule])).toEqual([
        ["apps/migrate.yaml", "plain-job"],
      ]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
