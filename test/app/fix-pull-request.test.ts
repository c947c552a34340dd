import { afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import {
  chmodSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import nock from "nock";
import type { Probot } from "probot";
import { FIX_PR_ACTION, UPDATE_FIX_PR_ACTION } from "../../src/app/on-fix-requested.js";
import { runCli } from "../../src/cli/main.js";
import { scanRepository } from "../../src/engine/scan.js";
import {
  readFixPullRequestRecord,
  renderFixPullRequest,
  withFixPullRequestRecord,
} from "../../src/render/fix-pull-request.js";
import { RULES } from "../../src/rules/index.js";
import { tarballOf, tarballOfDirectory } from "../helpers/archive.js";
import { recordingIo } from "../helpers/cli-io.js";
import { CORPUS, corpusPresentOrSayWhy } from "../helpers/corpus.js";
import {
  API,
  APP_ID,
  INSTALLATION_ID,
  createTestProbot,
  examplePayload,
  mockArchive,
  mockFixPullRequests,
  mockInstallationToken,
  mockNoPullRequestForPushedBranches,
  setUpNock,
  type ListedPull,
  tearDownNock,
} from "../helpers/github-mock.js";

const OWNER = "example-org";
const REPO = "gitops-repo";
const REPO_PATH = `/repos/${OWNER}/${REPO}`;
const BASE = "a".repeat(40);
const BASE_TREE = "b".repeat(40);
const NEW_TREE = "c".repeat(40);
const NEW_COMMIT = "d".repeat(40);
const CHECK_RUN_ID = 99;
const EXAMPLES = join(import.meta.dirname, "..", "..", "examples", "gitops-repo");

const PLAIN_JOB = `apiVersion: batch/v1
kind: Job
metadata:
  name: db-migrate
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: migrate
          image: app:1.0
`;

/** Every file under `root`, relative, with `/`. */
function listFiles(root: string, prefix = ""): string[] {
  return readdirSync(join(root, prefix), { withFileTypes: true }).flatMap((entry) => {
    const path = prefix ? `${prefix}/${entry.name}` : entry.name;
    return entry.isDirectory() ? listFiles(root, path) : entry.isFile() ? [path] : [];
  });
}

/** The corpus is read-only on disk; its copy must be writable for `--fix`. */
function chmodTree(root: string): void {
  for (const path of listFiles(root)) {
    const file = join(root, path);
    chmodSync(file, statSync(file).mode | 0o200);
  }
}

function buttonPayload(
  overrides: { sender?: string; identifier?: string; branch?: string | null; htmlUrl?: string } = {},
) {
  const payload = examplePayload("check_run", (p) => p.action === "requested_action");
  const checkRun = payload.check_run as Record<string, unknown>;
  return {
    ...payload,
    installation: { id: INSTALLATION_ID },
    repository: {
      ...(payload.repository as object),
      name: REPO,
      owner: { login: OWNER },
      html_url: overrides.htmlUrl ?? `https://github.com/${OWNER}/${REPO}`,
      default_branch: "main",
    },
    sender: { login: overrides.sender ?? "alice" },
    requested_action: { identifier: overrides.identifier ?? FIX_PR_ACTION.identifier },
    check_run: {
      ...checkRun,
      id: CHECK_RUN_ID,
      name: "Argo CD Jobs",
      head_sha: BASE,
      app: { ...(checkRun.app as object), id: APP_ID },
      check_suite: {
        ...(checkRun.check_suite as object),
        head_branch: overrides.branch === undefined ? "main" : overrides.branch,
      },
      output: { title: "1 warning", summary: "**1 warning** in 1 changed manifest." },
    },
  };
}

describe("the Open fix PR button", () => {
  let probot: Probot;
  let notes: string[];
  let writes: { method: string; path: string; body: Record<string, unknown> }[];

  beforeEach(() => {
    setUpNock();
    probot = createTestProbot();
    notes = [];
    writes = [];
  });
  afterEach(() => {
    expect(tearDownNock()).toEqual([]);
  });

  /** The API for one press; `tokenCached` when an earlier press of the test already got the installation token. */
  function scope(permission = "write", tokenCached = false): nock.Scope {
    const api = tokenCached ? nock(API) : mockInstallationToken(nock(API));
    api.get(`${REPO_PATH}/collaborators/alice/permission`).reply(200, { permission });
    api
      .patch(`${REPO_PATH}/check-runs/${CHECK_RUN_ID}`, (body: { output: { summary: string } }) => {
        notes.push(body.output.summary.split("\n")[0] ?? "");
        return true;
      })
      .reply(200, { id: CHECK_RUN_ID });
    return api;
  }

  function mockConfigAndBase(api: nock.Scope, files: Buffer): void {
    api.get(`${REPO_PATH}/contents/.github%2Fargocd-job-guard.yml`).reply(404);
    api.get(`/repos/${OWNER}/.github/contents/.github%2Fargocd-job-guard.yml`).reply(404);
    api.get(`${REPO_PATH}/git/ref/heads%2Fmain`).reply(200, { object: { sha: BASE } });
    mockArchive(api, `${OWNER}/${REPO}`, BASE, files);
  }

  function mockFixBranch(api: nock.Scope, head: string | null, pull: ListedPull | null): void {
    mockFixPullRequests(api, `${OWNER}/${REPO}`, "main", pull ? [pull] : []);
    const ref = api.get(`${REPO_PATH}/git/ref/heads%2Fargocd-job-guard%2Fmain`);
    if (head === null) ref.reply(404, { message: "Not Found" });
    else ref.reply(200, { object: { sha: head } });
  }

  /** The base commit and tree, and the writes of one commit: blobs, tree, commit. */
  function mockCommitWrites(api: nock.Scope, modes: Record<string, string> = {}): void {
    api.get(`${REPO_PATH}/git/commits/${BASE}`).reply(200, { tree: { sha: BASE_TREE }, parents: [] });
    api
      .get(`${REPO_PATH}/git/trees/${BASE_TREE}`)
      .query({ recursive: "true" })
      .reply(200, {
        sha: BASE_TREE,
        truncated: false,
        tree: Object.entries(modes).map(([path, mode]) => ({
          path,
          mode,
          type: "blob",
          sha: "e".repeat(40),
        })),
      });
    api
      .post(`${REPO_PATH}/git/blobs`, capture("POST", "blobs"))
      .times(20)
      .optionally()
      .reply(201, (_uri, body) => ({
        sha: Buffer.from((body as { content: string }).content)
          .toString("hex")
          .slice(0, 40)
          .padEnd(40, "0"),
      }));
    api.post(`${REPO_PATH}/git/trees`, capture("POST", "trees")).reply(201, { sha: NEW_TREE });
  }

  function capture(method: string, path: string) {
    return (body: Record<string, unknown>) => {
      writes.push({ method, path, body });
      return true;
    };
  }

  it("opens one PR whose commit holds exactly what scan --fix gives on the branch head, byte for byte", async () => {
    const api = scope();
    mockConfigAndBase(api, tarballOfDirectory(EXAMPLES));
    mockFixBranch(api, null, null);
    mockCommitWrites(api, { "charts/billing/templates/migrate-job.yaml": "100755" });
    api.post(`${REPO_PATH}/git/commits`, capture("POST", "commits")).reply(201, { sha: NEW_COMMIT });
    api.post(`${REPO_PATH}/git/refs`, capture("POST", "refs")).reply(201, {});
    api
      .post(`${REPO_PATH}/pulls`, capture("POST", "pulls"))
      .reply(201, { number: 7, body: "", html_url: "https://github.com/example-org/gitops-repo/pull/7" });

    await probot.receive({ id: "f1", name: "check_run", payload: buttonPayload() as never });

    // The CLI's --fix on a checkout of the same tree.
    const checkout = mkdtempSync(join(tmpdir(), "fix-pr-"));
    try {
      cpSync(EXAMPLES, checkout, { recursive: true });
      await runCli(["scan", "--fix", "."], recordingIo(checkout));
      const tree = writes.find((w) => w.path === "trees")?.body as {
        base_tree: string;
        tree: { path: string; mode: string; sha: string }[];
      };
      const blobs = writes.filter((w) => w.path === "blobs").map((w) => w.body as { content: string });
      expect(tree.base_tree).toBe(BASE_TREE);
      expect(tree.tree.length).toBeGreaterThan(0);
      tree.tree.forEach((entry, i) => {
        const sent = Buffer.from(blobs[i]?.content ?? "", "base64");
        expect(sent.equals(readFileSync(join(checkout, entry.path)))).toBe(true);
        expect(sent.equals(readFileSync(join(EXAMPLES, entry.path)))).toBe(false);
      });
      // Each file keeps its mode from the base tree: the executable bit survives, the rest are plain files.
      expect(tree.tree.map((e) => [e.path, e.mode])).toEqual([
        ["apps/shop-api/db-migrate-job.yaml", "100644"],
        ["charts/billing/templates/migrate-job.yaml", "100755"],
        ["kustomize/web/base/warm-cache-job.yaml", "100644"],
      ]);
    } finally {
      rmSync(checkout, { recursive: true, force: true });
    }
    const commit = writes.find((w) => w.path === "commits")?.body ?? {};
    expect(commit).toEqual({
      message: expect.stringMatching(/^Fix \d+ Argo CD Jobs? that would fail to sync/) as unknown,
      tree: NEW_TREE,
      parents: [BASE],
    });
    expect(writes.find((w) => w.path === "refs")?.body).toEqual({
      ref: "refs/heads/argocd-job-guard/main",
      sha: NEW_COMMIT,
    });
    const pull = writes.find((w) => w.path === "pulls")?.body as {
      head: string;
      base: string;
      title: string;
      body: string;
    };
    expect(pull.head).toBe("argocd-job-guard/main");
    expect(pull.base).toBe("main");
    expect(pull.title).toMatch(/^Fix \d+ Argo CD Jobs? that would fail to sync$/);
    expect(pull.body).toContain("argocd-job-guard scan --fix");
    expect(readFixPullRequestRecord(pull.body)?.head).toBe(NEW_COMMIT);
    expect(notes).toEqual([
      "> Fix pull request #7 opened by @alice: https://github.com/example-org/gitops-repo/pull/7",
    ]);
  });

  /** A repository whose files are awkward bytes: CRLF lines, a byte-order mark, no newline at the end. */
  function awkwardRepository(): string {
    const root = mkdtempSync(join(tmpdir(), "awkward-"));
    mkdirSync(join(root, "apps"));
    writeFileSync(join(root, "apps", "crlf.yaml"), PLAIN_JOB.replace(/\n/g, "\r\n"));
    writeFileSync(join(root, "apps", "bom.yaml"), `\uFEFF${PLAIN_JOB.replace("db-migrate", "bom-migrate")}`);
    writeFileSync(join(root, "apps", "no-newline.yaml"), PLAIN_JOB.replace("db-migrate", "tail").trimEnd());
    return root;
  }

  const fixedRepositories: [string, () => string, string][] = [
    ["awkward bytes", awkwardRepository, `https://github.com/${OWNER}/${REPO}`],
    ...(corpusPresentOrSayWhy("fix PR equality on corpus repositories")
      ? ["ibm-mas__gitops", "argoproj__argo-cd", "redhat-cop__gitops-catalog"]
      : []
    ).map((name): [string, () => string, string] => [
      `corpus/${name}`,
      () => join(CORPUS, name),
      `https://github.com/${name.replace("__", "/")}`,
    ]),
  ];

  it.each(fixedRepositories)(
    "%s: the PR's files are byte for byte what scan --fix writes on a checkout, and only those",
    async (_name, source, htmlUrl) => {
      const root = source();
      const checkout = mkdtempSync(join(tmpdir(), "fix-pr-cli-"));
      try {
        const api = scope();
        mockConfigAndBase(api, tarballOfDirectory(root));
        mockFixBranch(api, null, null);
        mockCommitWrites(api);
        api.post(`${REPO_PATH}/git/commits`).reply(201, { sha: NEW_COMMIT });
        api.post(`${REPO_PATH}/git/refs`).reply(201, {});
        api.post(`${REPO_PATH}/pulls`).reply(201, { number: 7, body: "", html_url: "u7" });

        await probot.receive({ id: "fx", name: "check_run", payload: buttonPayload({ htmlUrl }) as never });

        cpSync(root, checkout, { recursive: true });
        chmodTree(checkout);
        await runCli(["scan", "--fix", "--repo-url", htmlUrl, "."], recordingIo(checkout));
        const changedByCli = listFiles(checkout).filter(
          (path) => !readFileSync(join(checkout, path)).equals(readFileSync(join(root, path))),
        );
        const tree = writes.find((w) => w.path === "trees")?.body as { tree: { path: string }[] };
        const blobs = writes.filter((w) => w.path === "blobs").map((w) => w.body as { content: string });
        expect(changedByCli.length).toBeGreaterThan(0);
        expect(tree.tree.map((entry) => entry.path).sort()).toEqual(changedByCli.sort());
        tree.tree.forEach((entry, i) => {
          const sent = Buffer.from(blobs[i]?.content ?? "", "base64");
          expect(sent.equals(readFileSync(join(checkout, entry.path)))).toBe(true);
        });
      } finally {
        rmSync(checkout, { recursive: true, force: true });
        if (!root.startsWith(CORPUS)) rmSync(root, { recursive: true, force: true });
      }
    },
    30_000,
  );

  it("a click by someone who cannot push changes nothing, and the check run says why", async () => {
    scope("read");

    await probot.receive({ id: "f2", name: "check_run", payload: buttonPayload() as never });

    expect(notes).toEqual([
      "> @alice asked for a fix pull request, but only people who can push to this repository may.",
    ]);
  });

  it("does nothing to an open fix PR that is already what the fixes give", async () => {
    const head = "f".repeat(40);
    const api = scope();
    mockConfigAndBase(api, tarballOf({ "apps/job.yaml": PLAIN_JOB }));
    mockFixBranch(api, head, {
      number: 7,
      body: `<!-- argocd-job-guard:fix-pr {"head":"${head}","fingerprints":[]} -->`,
      html_url: "u",
    });
    mockCommitWrites(api);
    api
      .get(`${REPO_PATH}/git/commits/${head}`)
      .reply(200, { tree: { sha: NEW_TREE }, parents: [{ sha: BASE }] });

    await probot.receive({ id: "f3", name: "check_run", payload: buttonPayload() as never });

    expect(notes).toEqual(["> Fix pull request #7 is up to date."]);
    expect(writes.map((w) => w.path)).toEqual(["blobs", "trees"]);
  });

  it("never rewrites a fix branch someone else pushed to, and says so once on the PR", async () => {
    const foreign = "1".repeat(40);
    const ours = "2".repeat(40);
    const body = `text\n\n<!-- argocd-job-guard:fix-pr {"head":"${ours}","fingerprints":[],"digests":{}} -->`;
    const api = scope();
    mockConfigAndBase(api, tarballOf({ "apps/job.yaml": PLAIN_JOB }));
    mockFixBranch(api, foreign, { number: 7, body, html_url: "u" });
    api.post(`${REPO_PATH}/issues/7/comments`, capture("POST", "comments")).reply(201, {});
    api.patch(`${REPO_PATH}/pulls/7`, capture("PATCH", "pulls")).reply(200, {});

    await probot.receive({ id: "f4", name: "check_run", payload: buttonPayload() as never });

    expect(notes[0]).toContain("Someone else has pushed to `argocd-job-guard/main`");
    expect(writes.map((w) => `${w.method} ${w.path}`)).toEqual(["POST comments", "PATCH pulls"]);
    expect(writes[0]?.body.body).toContain(`pushed ${foreign.slice(0, 7)} to \`argocd-job-guard/main\``);
    const edited = writes[1]?.body.body as string;
    expect(edited.startsWith("text\n\n")).toBe(true);
    expect(readFixPullRequestRecord(edited)).toEqual({
      head: ours,
      fingerprints: [],
      digests: {},
      foreignHead: foreign,
    });
  });

  it("says it only once: a later press with the same foreign commit writes nothing", async () => {
    const foreign = "1".repeat(40);
    const body = `<!-- argocd-job-guard:fix-pr {"head":"${"2".repeat(40)}","fingerprints":[],"digests":{},"foreignHead":"${foreign}"} -->`;
    const api = scope();
    mockConfigAndBase(api, tarballOf({ "apps/job.yaml": PLAIN_JOB }));
    mockFixBranch(api, foreign, { number: 7, body, html_url: "u" });

    await probot.receive({ id: "f4b", name: "check_run", payload: buttonPayload() as never });

    expect(notes[0]).toContain("Someone else has pushed to `argocd-job-guard/main`");
    expect(writes).toEqual([]);
  });

  /** PR #7 open at the app's commit, whose fixes the new press changes: up to the new commit, made. */
  function openPullRequestWithNewFixes(): nock.Scope {
    const ours = "2".repeat(40);
    const body = `<!-- argocd-job-guard:fix-pr {"head":"${ours}","fingerprints":[],"digests":{}} -->`;
    const api = scope();
    mockConfigAndBase(api, tarballOf({ "apps/job.yaml": PLAIN_JOB }));
    mockFixBranch(api, ours, { number: 7, body, html_url: "u7" });
    mockCommitWrites(api);
    api
      .get(`${REPO_PATH}/git/commits/${ours}`)
      .reply(200, { tree: { sha: "6".repeat(40) }, parents: [{ sha: BASE }] });
    api.post(`${REPO_PATH}/git/commits`).reply(201, { sha: NEW_COMMIT });
    return api;
  }

  it("replaces the PR when a repository rule refuses to force-update its branch: branch recreated, old PR closed with a link", async () => {
    const api = openPullRequestWithNewFixes();
    api.patch(`${REPO_PATH}/git/refs/heads%2Fargocd-job-guard%2Fmain`).reply(422, {
      message: "Repository rule violations found\n\nCannot force-push to this branch\n\n",
    });
    api.delete(`${REPO_PATH}/git/refs/heads%2Fargocd-job-guard%2Fmain`).reply(204);
    api.post(`${REPO_PATH}/git/refs`, capture("POST", "refs")).reply(201, {});
    api
      .post(`${REPO_PATH}/pulls`, capture("POST", "pulls"))
      .reply(201, { number: 9, body: "", html_url: "u9" });
    api.post(`${REPO_PATH}/issues/7/comments`, capture("POST", "comments")).reply(201, {});
    api.patch(`${REPO_PATH}/pulls/7`, capture("PATCH", "pulls")).reply(200, {});

    await probot.receive({ id: "f4c", name: "check_run", payload: buttonPayload() as never });

    expect(writes.map((w) => `${w.method} ${w.path}`)).toEqual([
      "POST blobs",
      "POST trees",
      "POST refs",
      "POST pulls",
      "POST comments",
      "PATCH pulls",
    ]);
    expect(writes[2]?.body).toEqual({ ref: "refs/heads/argocd-job-guard/main", sha: NEW_COMMIT });
    expect(writes[4]?.body.body).toMatch(/^Replaced by #9: a repository rule refuses to force-update/);
    expect(writes[5]?.body).toEqual({ state: "closed" });
    expect(notes).toEqual([
      "> Fix pull request #9 opened in place of #7 (a repository rule refuses to force-update `argocd-job-guard/main`) by @alice: u9",
    ]);
  });

  it("the same press delivered twice leaves one commit and one PR: the second finds it up to date", async () => {
    const api = scope();
    mockConfigAndBase(api, tarballOf({ "apps/job.yaml": PLAIN_JOB }));
    mockFixBranch(api, null, null);
    mockCommitWrites(api);
    api.post(`${REPO_PATH}/git/commits`, capture("POST", "commits")).reply(201, { sha: NEW_COMMIT });
    api.post(`${REPO_PATH}/git/refs`, capture("POST", "refs")).reply(201, {});
    let opened = "";
    api
      .post(`${REPO_PATH}/pulls`, (body: { body: string }) => {
        opened = body.body;
        return true;
      })
      .reply(201, { number: 7, body: "", html_url: "u7" });
    await probot.receive({ id: "same", name: "check_run", payload: buttonPayload() as never });

    // GitHub redelivers: now the branch and the PR the first delivery made are there.
    const again = scope("write", true);
    mockConfigAndBase(again, tarballOf({ "apps/job.yaml": PLAIN_JOB }));
    mockFixBranch(again, NEW_COMMIT, { number: 7, body: opened, html_url: "u7" });
    mockCommitWrites(again);
    again
      .get(`${REPO_PATH}/git/commits/${NEW_COMMIT}`)
      .reply(200, { tree: { sha: NEW_TREE }, parents: [{ sha: BASE }] });
    await probot.receive({ id: "same", name: "check_run", payload: buttonPayload() as never });

    expect(writes.filter((w) => w.path === "commits" || w.path === "refs")).toHaveLength(2);
    expect(notes).toEqual([
      "> Fix pull request #7 opened by @alice: u7",
      "> Fix pull request #7 is up to date.",
    ]);
  });

  it("converges when another delivery deleted the branch while this one moved it", async () => {
    const api = openPullRequestWithNewFixes();
    api
      .patch(`${REPO_PATH}/git/refs/heads%2Fargocd-job-guard%2Fmain`)
      .reply(422, { message: "Reference does not exist" });
    api.post(`${REPO_PATH}/git/refs`, capture("POST", "refs")).reply(201, {});
    api.patch(`${REPO_PATH}/pulls/7`).reply(200, { number: 7, body: "", html_url: "u7" });

    await probot.receive({ id: "f6", name: "check_run", payload: buttonPayload() as never });

    expect(writes.find((w) => w.path === "refs")?.body).toEqual({
      ref: "refs/heads/argocd-job-guard/main",
      sha: NEW_COMMIT,
    });
    expect(notes).toEqual(["> Fix pull request #7 updated by @alice: u7"]);
  });

  it("converges when another delivery created the branch and the PR first", async () => {
    const api = scope();
    mockConfigAndBase(api, tarballOf({ "apps/job.yaml": PLAIN_JOB }));
    mockFixBranch(api, null, null);
    mockCommitWrites(api);
    api.post(`${REPO_PATH}/git/commits`).reply(201, { sha: NEW_COMMIT });
    api.post(`${REPO_PATH}/git/refs`).reply(422, { message: "Reference already exists" });
    api
      .patch(`${REPO_PATH}/git/refs/heads%2Fargocd-job-guard%2Fmain`, capture("PATCH", "refs"))
      .reply(200, {});
    api.post(`${REPO_PATH}/pulls`).reply(422, {
      message: "Validation Failed",
      errors: [{ message: "A pull request already exists for example-org:argocd-job-guard/main." }],
    });
    // The race's re-read asks only for the open one.
    api
      .get(`${REPO_PATH}/pulls`)
      .query({ head: `${OWNER}:argocd-job-guard/main`, state: "open", per_page: "1" })
      .reply(200, [{ number: 8, body: "", html_url: "u8" }]);
    api
      .patch(`${REPO_PATH}/pulls/8`, capture("PATCH", "pulls"))
      .reply(200, { number: 8, body: "", html_url: "u8" });

    await probot.receive({ id: "f5", name: "check_run", payload: buttonPayload() as never });

    expect(writes.find((w) => w.method === "PATCH" && w.path === "refs")?.body).toEqual({
      sha: NEW_COMMIT,
      force: true,
    });
    expect(writes.find((w) => w.method === "PATCH" && w.path === "pulls")?.body).toMatchObject({
      title: "Fix 1 Argo CD Job that would fail to sync",
    });
    expect(notes).toEqual(["> Fix pull request #8 opened by @alice: u8"]);
  });

  it("leaves a fix in a workflow file out of the commit and says so in the PR", async () => {
    const api = scope();
    mockConfigAndBase(
      api,
      tarballOf({
        "apps/job.yaml": PLAIN_JOB,
        ".github/workflows/job.yaml": PLAIN_JOB.replace("db-migrate", "ci"),
      }),
    );
    mockFixBranch(api, null, null);
    mockCommitWrites(api);
    api.post(`${REPO_PATH}/git/commits`).reply(201, { sha: NEW_COMMIT });
    api.post(`${REPO_PATH}/git/refs`).reply(201, {});
    api
      .post(`${REPO_PATH}/pulls`, capture("POST", "pulls"))
      .reply(201, { number: 9, body: "", html_url: "u9" });

    await probot.receive({ id: "f6", name: "check_run", payload: buttonPayload() as never });

    const tree = writes.find((w) => w.path === "trees")?.body as { tree: { path: string }[] };
    expect(tree.tree.map((e) => e.path)).toEqual(["apps/job.yaml"]);
    expect((writes.find((w) => w.path === "pulls")?.body as { body: string }).body).toContain(
      "`.github/workflows/job.yaml`",
    );
  });

  it("says when no safe fix is left by the time the button is pressed", async () => {
    const api = scope();
    const hook = PLAIN_JOB.replace(
      "  name: db-migrate\n",
      "  name: db-migrate\n  annotations:\n    argocd.argoproj.io/hook: PreSync\n    argocd.argoproj.io/hook-delete-policy: BeforeHookCreation\n",
    );
    mockConfigAndBase(api, tarballOf({ "apps/job.yaml": hook }));
    mockFixBranch(api, null, null);

    await probot.receive({ id: "f7", name: "check_run", payload: buttonPayload() as never });

    expect(notes[0]).toMatch(/^> No safe fix is left on `main` at a{7}: nothing to open\.$/);
  });

  it("ignores another action's identifier, and a commit on no branch is told so", async () => {
    await probot.receive({
      id: "f8",
      name: "check_run",
      payload: buttonPayload({ identifier: "something-else" }) as never,
    });
    scope();

    await probot.receive({ id: "f9", name: "check_run", payload: buttonPayload({ branch: null }) as never });

    expect(notes).toEqual([
      "> This commit is on no branch of this repository (a fork?): there is no branch to fix.",
    ]);
  });

  it("closes the fix PR, saying why, and deletes its branch when nothing is left to fix", async () => {
    const head = "f".repeat(40);
    const api = scope();
    const hook = PLAIN_JOB.replace(
      "  name: db-migrate\n",
      "  name: db-migrate\n  annotations:\n    argocd.argoproj.io/hook: PreSync\n    argocd.argoproj.io/hook-delete-policy: BeforeHookCreation\n",
    );
    mockConfigAndBase(api, tarballOf({ "apps/job.yaml": hook }));
    mockFixBranch(api, head, {
      number: 7,
      body: `<!-- argocd-job-guard:fix-pr {"head":"${head}","fingerprints":[]} -->`,
      html_url: "u",
    });
    api.post(`${REPO_PATH}/issues/7/comments`, capture("POST", "comments")).reply(201, {});
    api.patch(`${REPO_PATH}/pulls/7`, capture("PATCH", "pulls")).reply(200, {});
    api.delete(`${REPO_PATH}/git/refs/heads%2Fargocd-job-guard%2Fmain`).reply(204);

    await probot.receive({ id: "f10", name: "check_run", payload: buttonPayload() as never });

    expect((writes[0]?.body as { body: string }).body).toMatch(
      /^Nothing is left to fix on `main` at a{7}: closing/,
    );
    expect(writes[1]?.body).toEqual({ state: "closed" });
    expect(notes).toEqual(["> Nothing is left to fix on `main`: fix pull request #7 closed."]);
  });
});

describe("a push and the fix pull request", () => {
  const HEAD = "9".repeat(40);
  const BEFORE = "8".repeat(40);
  let probot: Probot;
  let writes: { path: string; body: Record<string, unknown> }[];
  let completed: { actions?: unknown[]; output: { summary: string } }[];

  beforeEach(() => {
    setUpNock();
    mockNoPullRequestForPushedBranches();
    probot = createTestProbot();
    writes = [];
    completed = [];
  });
  afterEach(() => {
    expect(tearDownNock()).toEqual([]);
  });

  function pushTo(branch: string, config: string | null, jobText = PLAIN_JOB) {
    const payload = examplePayload(
      "push",
      (p) => p.ref === "refs/heads/master" && p.installation !== undefined,
    );
    const api = mockInstallationToken(nock(API));
    if (config === null) {
      api.get(`${REPO_PATH}/contents/.github%2Fargocd-job-guard.yml`).reply(404);
      api.get(`/repos/${OWNER}/.github/contents/.github%2Fargocd-job-guard.yml`).reply(404);
    } else api.get(`${REPO_PATH}/contents/.github%2Fargocd-job-guard.yml`).reply(200, config);
    mockArchive(api, `${OWNER}/${REPO}`, HEAD, tarballOf({ "apps/job.yaml": jobText }));
    api.post(`${REPO_PATH}/check-runs`).reply(201, { id: 5 });
    api
      .patch(`${REPO_PATH}/check-runs/5`, (body: (typeof completed)[number]) => {
        completed.push(body);
        return true;
      })
      .reply(200, { id: 5 });
    const event = {
      id: "p1",
      name: "push",
      payload: {
        ...payload,
        ref: `refs/heads/${branch}`,
        before: BEFORE,
        after: HEAD,
        forced: false,
        installation: { id: INSTALLATION_ID },
        repository: {
          ...(payload.repository as object),
          name: REPO,
          owner: { login: OWNER, name: OWNER },
          html_url: `https://github.com/${OWNER}/${REPO}`,
          default_branch: "main",
        },
        commits: [{ id: HEAD, added: ["apps/job.yaml"], modified: [], removed: [] }],
      },
    };
    return { api, event };
  }

  function mockNewCommit(api: nock.Scope): void {
    api.get(`${REPO_PATH}/git/commits/${HEAD}`).reply(200, { tree: { sha: BASE_TREE }, parents: [] });
    api.get(`${REPO_PATH}/git/trees/${BASE_TREE}`).query({ recursive: "true" }).reply(200, { tree: [] });
    api.post(`${REPO_PATH}/git/blobs`).reply(201, { sha: "e".repeat(40) });
    api.post(`${REPO_PATH}/git/trees`).reply(201, { sha: NEW_TREE });
    api.post(`${REPO_PATH}/git/commits`).reply(201, { sha: NEW_COMMIT });
  }

  it("updates the branch's open fix PR when the fixes changed", async () => {
    const old = "7".repeat(40);
    const { api, event } = pushTo("release", null);
    mockFixPullRequests(api, `${OWNER}/${REPO}`, "release", [
      {
        number: 3,
        body: `<!-- argocd-job-guard:fix-pr {"head":"${old}","fingerprints":[]} -->`,
        html_url: "u3",
      },
    ]);
    api.get(`${REPO_PATH}/git/ref/heads%2Fargocd-job-guard%2Frelease`).reply(200, { object: { sha: old } });
    mockNewCommit(api);
    api
      .get(`${REPO_PATH}/git/commits/${old}`)
      .reply(200, { tree: { sha: "6".repeat(40) }, parents: [{ sha: BEFORE }] });
    api
      .patch(`${REPO_PATH}/git/refs/heads%2Fargocd-job-guard%2Frelease`, (body: Record<string, unknown>) => {
        writes.push({ path: "refs", body });
        return true;
      })
      .reply(200, {});
    api
      .patch(`${REPO_PATH}/pulls/3`, (body: Record<string, unknown>) => {
        writes.push({ path: "pulls", body });
        return true;
      })
      .reply(200, { number: 3, body: "", html_url: "u3" });

    await probot.receive(event as never);

    expect(writes[0]).toEqual({ path: "refs", body: { sha: NEW_COMMIT, force: true } });
    expect(readFixPullRequestRecord((writes[1]?.body as { body: string }).body)?.head).toBe(NEW_COMMIT);
  });

  it("with fixPullRequest: auto, a push to the default branch opens the fix PR without a press", async () => {
    const { api, event } = pushTo("main", "report:\n  fixPullRequest: auto\n");
    mockFixPullRequests(api, `${OWNER}/${REPO}`, "main", []);
    api.get(`${REPO_PATH}/git/ref/heads%2Fargocd-job-guard%2Fmain`).reply(404, { message: "Not Found" });
    mockNewCommit(api);
    api.post(`${REPO_PATH}/git/refs`).reply(201, {});
    api
      .post(`${REPO_PATH}/pulls`, (body: Record<string, unknown>) => {
        writes.push({ path: "pulls", body });
        return true;
      })
      .reply(201, { number: 4, body: "", html_url: "u4" });

    await probot.receive(event as never);

    expect(writes[0]?.body).toMatchObject({ head: "argocd-job-guard/main", base: "main" });
  });

  it("a push racing another delivery's new fix PR reads the PRs again instead of calling the branch foreign", async () => {
    const theirs = "5".repeat(40);
    const { api, event } = pushTo("main", "report:\n  fixPullRequest: auto\n");
    // When this push looked, there was no PR; by the time it reads the branch, another delivery made both.
    mockFixPullRequests(api, `${OWNER}/${REPO}`, "main", []);
    mockFixPullRequests(api, `${OWNER}/${REPO}`, "main", [
      {
        number: 4,
        body: `<!-- argocd-job-guard:fix-pr {"head":"${theirs}","fingerprints":[],"digests":{}} -->`,
        html_url: "u4",
      },
    ]);
    api.get(`${REPO_PATH}/git/ref/heads%2Fargocd-job-guard%2Fmain`).reply(200, { object: { sha: theirs } });
    api.get(`${REPO_PATH}/git/commits/${HEAD}`).reply(200, { tree: { sha: BASE_TREE }, parents: [] });
    api.get(`${REPO_PATH}/git/trees/${BASE_TREE}`).query({ recursive: "true" }).reply(200, { tree: [] });
    api.post(`${REPO_PATH}/git/blobs`).reply(201, { sha: "e".repeat(40) });
    api.post(`${REPO_PATH}/git/trees`).reply(201, { sha: NEW_TREE });
    api
      .get(`${REPO_PATH}/git/commits/${theirs}`)
      .reply(200, { tree: { sha: NEW_TREE }, parents: [{ sha: HEAD }] });

    await probot.receive(event as never);

    expect(writes).toEqual([]);
  });

  it("a push to another branch with no fix PR opens none: only the lookup", async () => {
    const { api, event } = pushTo("feature", "report:\n  fixPullRequest: auto\n");
    mockFixPullRequests(api, `${OWNER}/${REPO}`, "feature", []);

    await probot.receive(event as never);
  });

  /** A fix PR of `main`, closed by a person unmerged, recording the fixes of `jobText`'s findings. */
  function declinedPull(jobText: string): ListedPull {
    const findings = scanRepository({
      rules: RULES,
      files: [{ path: "apps/job.yaml", content: jobText }],
    }).findings.filter((f) => f.fix?.kind === "safe");
    const { body } = renderFixPullRequest(findings, {
      baseBranch: "main",
      baseSha: BEFORE,
      head: "7".repeat(40),
      notCommitted: [],
    });
    const record = readFixPullRequestRecord(body)!;
    return {
      number: 12,
      state: "closed",
      merged_at: null,
      html_url: "u12",
      body: withFixPullRequestRecord(body, { ...record, declinedBy: "bob" }),
    };
  }

  it("offers 'Update fix PR' when the branch's fix PR is open", async () => {
    const old = "7".repeat(40);
    const { api, event } = pushTo("release", null);
    const body = `<!-- argocd-job-guard:fix-pr {"head":"${old}","fingerprints":[],"digests":{}} -->`;
    mockFixPullRequests(api, `${OWNER}/${REPO}`, "release", [{ number: 3, body, html_url: "u3" }]);
    api.get(`${REPO_PATH}/git/ref/heads%2Fargocd-job-guard%2Frelease`).reply(200, { object: { sha: old } });
    // The fixes did not change: the tree is built, found equal to the PR's, and nothing is written.
    api.get(`${REPO_PATH}/git/commits/${HEAD}`).reply(200, { tree: { sha: BASE_TREE }, parents: [] });
    api.get(`${REPO_PATH}/git/trees/${BASE_TREE}`).query({ recursive: "true" }).reply(200, { tree: [] });
    api.post(`${REPO_PATH}/git/blobs`).reply(201, { sha: "e".repeat(40) });
    api.post(`${REPO_PATH}/git/trees`).reply(201, { sha: NEW_TREE });
    api
      .get(`${REPO_PATH}/git/commits/${old}`)
      .reply(200, { tree: { sha: NEW_TREE }, parents: [{ sha: HEAD }] });

    await probot.receive(event as never);

    expect(completed[0]?.actions).toEqual([UPDATE_FIX_PR_ACTION]);
    expect(writes).toEqual([]);
  });

  it("a fix PR a person closed unmerged keeps its fixes from coming back: no button, no auto PR, and the check run says why", async () => {
    const { api, event } = pushTo("main", "report:\n  fixPullRequest: auto\n");
    mockFixPullRequests(api, `${OWNER}/${REPO}`, "main", [declinedPull(PLAIN_JOB)]);

    await probot.receive(event as never);

    expect(completed[0]?.actions).toBeUndefined();
    expect(completed[0]?.output.summary).toContain(
      "The fix of 1 finding was declined in #12 (closed by @bob): not proposed again while those Jobs stay as they are.",
    );
    expect(writes).toEqual([]);
  });

  it("once the declined Job changes, its fix is proposed again", async () => {
    const edited = PLAIN_JOB.replace("app:1.0", "app:2.0");
    const { api, event } = pushTo("main", "report:\n  fixPullRequest: auto\n", edited);
    mockFixPullRequests(api, `${OWNER}/${REPO}`, "main", [declinedPull(PLAIN_JOB)]);
    // The declined PR's branch is still there, at the commit the app made: the app may move it.
    api
      .get(`${REPO_PATH}/git/ref/heads%2Fargocd-job-guard%2Fmain`)
      .reply(200, { object: { sha: "7".repeat(40) } });
    mockNewCommit(api);
    api
      .patch(`${REPO_PATH}/git/refs/heads%2Fargocd-job-guard%2Fmain`, (body: Record<string, unknown>) => {
        writes.push({ path: "refs", body });
        return true;
      })
      .reply(200, {});
    api
      .post(`${REPO_PATH}/pulls`, (body: Record<string, unknown>) => {
        writes.push({ path: "pulls", body });
        return true;
      })
      .reply(201, { number: 13, body: "", html_url: "u13" });

    await probot.receive(event as never);

    expect(completed[0]?.actions).toEqual([FIX_PR_ACTION]);
    expect(writes.map((w) => w.path)).toEqual(["refs", "pulls"]);
  });
});

describe("a person closing the fix pull request", () => {
  let probot: Probot;
  let writes: { method: string; path: string; body: Record<string, unknown> }[];
  const OURS = "2".repeat(40);
  const RECORD_BODY = `The app's text.\n\n<!-- argocd-job-guard:fix-pr {"head":"${OURS}","fingerprints":["f1","f2"],"digests":{"f1":"d1","f2":"d2"}} -->`;

  beforeEach(() => {
    setUpNock();
    probot = createTestProbot();
    writes = [];
  });
  afterEach(() => {
    expect(tearDownNock()).toEqual([]);
  });

  function pullRequestEvent(
    action: "closed" | "reopened",
    overrides: {
      merged?: boolean;
      sender?: { login: string; type: string };
      body?: string;
      head?: string;
    } = {},
  ) {
    const payload = examplePayload("pull_request", (p) => p.action === action);
    const pull = payload.pull_request as Record<string, unknown>;
    const repository = {
      ...(payload.repository as object),
      name: REPO,
      owner: { login: OWNER },
      full_name: `${OWNER}/${REPO}`,
      html_url: `https://github.com/${OWNER}/${REPO}`,
      default_branch: "main",
    };
    return {
      id: `pr-${action}`,
      name: "pull_request",
      payload: {
        ...payload,
        installation: { id: INSTALLATION_ID },
        repository,
        sender: overrides.sender ?? { login: "bob", type: "User" },
        pull_request: {
          ...pull,
          number: 12,
          body: overrides.body ?? RECORD_BODY,
          merged: overrides.merged ?? false,
          head: { ref: overrides.head ?? "argocd-job-guard/main", repo: { full_name: `${OWNER}/${REPO}` } },
          base: { ref: "main", repo: { full_name: `${OWNER}/${REPO}` } },
        },
      },
    };
  }

  function mockWrites(api: nock.Scope): void {
    api
      .patch(`${REPO_PATH}/pulls/12`, (body: Record<string, unknown>) => {
        writes.push({ method: "PATCH", path: "pulls", body });
        return true;
      })
      .reply(200, {});
    api
      .post(`${REPO_PATH}/issues/12/comments`, (body: Record<string, unknown>) => {
        writes.push({ method: "POST", path: "comments", body });
        return true;
      })
      .reply(201, {});
  }

  it("records the decline in the PR's body, keeping its text, and says once what it means and how to undo it", async () => {
    mockWrites(mockInstallationToken(nock(API)));

    await probot.receive(pullRequestEvent("closed") as never);

    const edited = writes[0]?.body.body as string;
    expect(edited.startsWith("The app's text.\n\n")).toBe(true);
    expect(readFixPullRequestRecord(edited)).toEqual({
      head: OURS,
      fingerprints: ["f1", "f2"],
      digests: { f1: "d1", f2: "d2" },
      declinedBy: "bob",
    });
    const comment = writes[1]?.body.body as string;
    expect(comment).toMatch(/^@bob closed this pull request without merging it/);
    expect(comment).toContain(
      "will not propose these 2 fixes for `main` again while the Jobs stay as they are",
    );
    expect(comment).toContain("Reopen this pull request");
  });

  it("a merge, the app's own close, a redelivery and a pull request that is not the app's change nothing", async () => {
    mockInstallationToken(nock(API));
    const declined = RECORD_BODY.replace('"digests"', '"declinedBy":"bob","digests"');

    await probot.receive(pullRequestEvent("closed", { merged: true }) as never);
    await probot.receive(
      pullRequestEvent("closed", { sender: { login: "argocd-job-guard[bot]", type: "Bot" } }) as never,
    );
    await probot.receive(pullRequestEvent("closed", { body: declined }) as never);
    await probot.receive(pullRequestEvent("closed", { head: "feature" }) as never);
    await probot.receive(pullRequestEvent("closed", { body: "A person's own pull request." }) as never);

    expect(writes).toEqual([]);
    nock.cleanAll();
  });

  it("reopening takes the decline back", async () => {
    mockInstallationToken(nock(API))
      .patch(`${REPO_PATH}/pulls/12`, (body: Record<string, unknown>) => {
        writes.push({ method: "PATCH", path: "pulls", body });
        return true;
      })
      .reply(200, {});
    const declined = RECORD_BODY.replace('"digests"', '"declinedBy":"bob","digests"');

    await probot.receive(pullRequestEvent("reopened", { body: declined }) as never);

    expect(readFixPullRequestRecord(writes[0]?.body.body as string)?.declinedBy).toBeUndefined();
    expect(readFixPullRequestRecord(writes[0]?.body.body as string)?.head).toBe(OURS);
  });
});
