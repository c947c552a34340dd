import { afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import nock from "nock";
import type { Probot } from "probot";
import { parseCommand } from "../../src/app/on-command.js";
import { tarballOf } from "../helpers/archive.js";
import {
  API,
  INSTALLATION_ID,
  createTestProbot,
  examplePayload,
  mockArchive,
  mockInstallationToken,
  setUpNock,
  tearDownNock,
} from "../helpers/github-mock.js";
import { PRESYNC_HOOK_ANNOTATIONS, jobYaml } from "../helpers/manifests.js";
import {
  BASE_SHA,
  HEAD_SHA,
  MERGE_BASE,
  OWNER,
  PR,
  REPO,
  REPO_PATH,
  patchOf,
} from "../helpers/pull-request-mock.js";

const COMMENT_ID = 321;
const NEW_HEAD = "4".repeat(40);
const PLAIN_JOB = jobYaml("db-migrate");
const FIXED_JOB = jobYaml("db-migrate", { metadataExtra: PRESYNC_HOOK_ANNOTATIONS });

function commentPayload(body: string, options: { login?: string; type?: string; onIssue?: boolean } = {}) {
  const payload = examplePayload(
    "issue_comment",
    (p) => p.action === "created" && p.installation !== undefined,
  );
  const issue = payload.issue as Record<string, unknown>;
  return {
    ...payload,
    installation: { id: INSTALLATION_ID },
    issue: {
      ...issue,
      number: PR,
      pull_request: options.onIssue ? undefined : { url: `https://api.github.com${REPO_PATH}/pulls/${PR}` },
    },
    comment: {
      ...(payload.comment as object),
      id: COMMENT_ID,
      body,
      user: { login: options.login ?? "alice", type: options.type ?? "User" },
    },
  };
}

describe("parseCommand", () => {
  it.each([
    ["/argocd-job-guard fix", { name: "fix" }],
    ["LGTM\n  /argocd-job-guard   FIX please", { name: "fix" }],
    ["/argocd-job-guard", { name: "help" }],
    ["/argocd-job-guard rebase", { name: "unknown", word: "rebase" }],
    ["/argocd-job-guardian fix", null],
    ["please run /argocd-job-guard fix", null],
  ])("%j", (body, command) => {
    expect(parseCommand(body)).toEqual(command);
  });
});

describe("commands in pull request comments", () => {
  let probot: Probot;
  let replies: string[];
  let reactions: string[];
  let writes: { path: string; body: Record<string, unknown> }[];

  beforeEach(() => {
    setUpNock();
    probot = createTestProbot();
    replies = [];
    reactions = [];
    writes = [];
  });
  afterEach(() => {
    expect(tearDownNock()).toEqual([]);
  });

  function scope(): nock.Scope {
    const api = mockInstallationToken(nock(API));
    api
      .post(`${REPO_PATH}/issues/comments/${COMMENT_ID}/reactions`, (body: { content: string }) => {
        reactions.push(body.content);
        return true;
      })
      .reply(201, {});
    api
      .post(`${REPO_PATH}/issues/${PR}/comments`, (body: { body: string }) => {
        replies.push(body.body);
        return true;
      })
      .reply(201, {});
    return api;
  }

  function capture(path: string) {
    return (body: Record<string, unknown>) => {
      writes.push({ path, body });
      return true;
    };
  }

  /** The permission, the configuration, the pull request and what its head reads as. */
  function mockFixReads(api: nock.Scope, fork: boolean): void {
    api.get(`${REPO_PATH}/collaborators/alice/permission`).reply(200, { permission: "write" });
    api.get(`${REPO_PATH}/contents/.github%2Fargocd-job-guard.yml`).reply(404);
    api.get(`/repos/${OWNER}/.github/contents/.github%2Fargocd-job-guard.yml`).reply(404);
    api.get(`${REPO_PATH}/pulls/${PR}`).reply(200, {
      state: "open",
      head: { sha: HEAD_SHA, ref: "feature", repo: { full_name: `${fork ? "contributor" : OWNER}/${REPO}` } },
      base: { sha: BASE_SHA, ref: "master", repo: { full_name: `${OWNER}/${REPO}` } },
    });
  }

  function mockHead(api: nock.Scope, sha: string): void {
    api.get(`${REPO_PATH}/compare/${BASE_SHA}...${sha}`).reply(200, {
      merge_base_commit: { sha: MERGE_BASE },
      files: [{ filename: "apps/job.yaml", status: "added", patch: patchOf("", PLAIN_JOB) }],
    });
    mockArchive(api, `${OWNER}/${REPO}`, sha, tarballOf({ "apps/job.yaml": PLAIN_JOB }));
  }

  function mockCommit(api: nock.Scope, parent: string, commit: string): void {
    api.get(`${REPO_PATH}/git/commits/${parent}`).reply(200, { tree: { sha: "b".repeat(40) }, parents: [] });
    api
      .get(`${REPO_PATH}/git/trees/${"b".repeat(40)}`)
      .query({ recursive: "true" })
      .reply(200, { sha: "b".repeat(40), truncated: false, tree: [] });
    api.post(`${REPO_PATH}/git/blobs`, capture("blobs")).reply(201, { sha: "e".repeat(40) });
    api.post(`${REPO_PATH}/git/trees`, capture("trees")).reply(201, { sha: "c".repeat(40) });
    api.post(`${REPO_PATH}/git/commits`, capture("commits")).reply(201, { sha: commit });
  }

  it("help lists the commands to anyone, with a 👀 reaction", async () => {
    scope();

    await probot.receive({
      id: "c1",
      name: "issue_comment",
      payload: commentPayload("/argocd-job-guard help") as never,
    });

    expect(reactions).toEqual(["eyes"]);
    expect(replies[0]).toContain("- `/argocd-job-guard fix`:");
    expect(replies[0]).toContain("- `/argocd-job-guard help`:");
  });

  it("fix from someone without write access is politely refused, and nothing is written", async () => {
    const api = scope();
    api.get(`${REPO_PATH}/collaborators/alice/permission`).reply(200, { permission: "read" });

    await probot.receive({
      id: "c2",
      name: "issue_comment",
      payload: commentPayload("/argocd-job-guard fix") as never,
    });

    expect(reactions).toEqual(["eyes"]);
    expect(replies).toEqual([
      "@alice, thank you, but only people with write access to this repository can ask the app to commit to a pull request. A maintainer can, or you can commit the review's suggestions yourself.",
    ]);
  });

  it("fix from a writer: one commit with the fixes on the head just read, the branch moved without force", async () => {
    const api = scope();
    mockFixReads(api, false);
    mockHead(api, HEAD_SHA);
    mockCommit(api, HEAD_SHA, NEW_HEAD);
    api.patch(`${REPO_PATH}/git/refs/heads%2Ffeature`, capture("refs")).reply(200, {});

    await probot.receive({
      id: "c3",
      name: "issue_comment",
      payload: commentPayload("/argocd-job-guard fix") as never,
    });

    const blob = writes.find((w) => w.path === "blobs")?.body as { content: string };
    expect(Buffer.from(blob.content, "base64").toString("utf8")).toBe(FIXED_JOB);
    expect(writes.find((w) => w.path === "commits")?.body).toMatchObject({
      parents: [HEAD_SHA],
      tree: "c".repeat(40),
    });
    expect(writes.find((w) => w.path === "refs")?.body).toEqual({ sha: NEW_HEAD, force: false });
    expect(replies).toEqual([`Committed ${NEW_HEAD} onto \`feature\`: the safe fixes of 1 Job in 1 file.`]);
  });

  it('fix redoes its commit on the new head when a push raced it ("not a fast forward")', async () => {
    const api = scope();
    const raced = "5".repeat(40);
    mockFixReads(api, false);
    mockHead(api, HEAD_SHA);
    mockCommit(api, HEAD_SHA, "6".repeat(40));
    api
      .patch(`${REPO_PATH}/git/refs/heads%2Ffeature`, capture("refs"))
      .reply(422, { message: "Update is not a fast forward" });
    api.get(`${REPO_PATH}/git/ref/heads%2Ffeature`).reply(200, { object: { sha: raced } });
    mockHead(api, raced);
    mockCommit(api, raced, NEW_HEAD);
    api.patch(`${REPO_PATH}/git/refs/heads%2Ffeature`, capture("refs")).reply(200, {});

    await probot.receive({
      id: "c4",
      name: "issue_comment",
      payload: commentPayload("/argocd-job-guard fix") as never,
    });

    expect(writes.filter((w) => w.path === "commits").map((w) => w.body.parents)).toEqual([
      [HEAD_SHA],
      [raced],
    ]);
    expect(writes.filter((w) => w.path === "refs").map((w) => w.body)).toEqual([
      { sha: "6".repeat(40), force: false },
      { sha: NEW_HEAD, force: false },
    ]);
    expect(replies[0]).toMatch(new RegExp(`^Committed ${NEW_HEAD} onto`));
  });

  it("fix on a pull request from a fork answers with the patch and how to apply it, and writes nothing", async () => {
    const api = scope();
    mockFixReads(api, true);
    mockHead(api, HEAD_SHA);

    await probot.receive({
      id: "c5",
      name: "issue_comment",
      payload: commentPayload("/argocd-job-guard fix") as never,
    });

    expect(replies[0]).toContain("git apply argocd-job-guard.patch");
    expect(replies[0]).toContain("```diff\n--- a/apps/job.yaml\n+++ b/apps/job.yaml\n");
    expect(replies[0]).toContain("+    argocd.argoproj.io/hook: PreSync\n");
    expect(writes).toEqual([]);
  });

  it.each([
    ["a bot's comment", commentPayload("/argocd-job-guard fix", { type: "Bot", login: "other[bot]" })],
    ["a comment on an issue", commentPayload("/argocd-job-guard fix", { onIssue: true })],
    ["a comment without a command", commentPayload("Looks good to me")],
  ])("ignores %s", async (_name, payload) => {
    await probot.receive({ id: "c6", name: "issue_comment", payload: payload as never });

    expect(replies).toEqual([]);
  });
});
