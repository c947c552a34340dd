import { afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import nock from "nock";
import type { Probot } from "probot";
import {
  API,
  APP_ID,
  createTestProbot,
  examplePayload,
  INSTALLATION_ID,
  mockInstallationToken,
  recordRequests,
  setUpNock,
  tearDownNock,
} from "../helpers/github-mock.js";
import { PRESYNC_HOOK_ANNOTATIONS, jobYaml } from "../helpers/manifests.js";
import {
  CHECK_RUN_ID,
  HEAD_SHA,
  MERGE_BASE,
  OWNER,
  PR,
  REPO,
  REPO_PATH,
  mockPullRequestReads,
  pullRequestPayload,
  type PullRequestOptions,
  type PullRequestState,
} from "../helpers/pull-request-mock.js";

const job = (name: string, image = "app:1.0") => jobYaml(name, { image });

const APPLICATION = `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: hello
spec:
  source:
    repoURL: https://github.com/Codertocat/Hello-World.git
    path: apps
`;

const CONFIG_MAP = `apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  a: "1"
  b: "2"
  c: "3"
  d: "4"
`;

interface ReviewComment {
  path: string;
  line: number;
  start_line?: number;
  side: string;
  body: string;
}

interface Review {
  commit_id: string;
  event: string;
  body: string;
  comments: ReviewComment[];
}

describe("pull request reviews", () => {
  let probot: Probot;
  let checkRuns: Record<string, unknown>[];
  let reviews: Review[];
  let summaries: { method: string; body: string }[];

  beforeEach(() => {
    setUpNock();
    probot = createTestProbot();
    checkRuns = [];
    reviews = [];
    summaries = [];
  });
  afterEach(() => {
    expect(tearDownNock()).toEqual([]);
  });

  /**
   * The reads of a review, the check run (created, completed, perhaps noted), and the review and summary writes.
   * Probot keeps the installation token, so only a test's first delivery asks for it.
   */
  function mockPullRequest(state: PullRequestState, checkRunUpdates = 1, first = true): nock.Scope {
    const scope = first ? mockInstallationToken(nock(API)) : nock(API);
    mockPullRequestReads(scope, state);
    scope
      .post(`${REPO_PATH}/check-runs`, (body: Record<string, unknown>) => {
        checkRuns.push({ ...body });
        return true;
      })
      .reply(201, { id: CHECK_RUN_ID });
    scope
      .patch(`${REPO_PATH}/check-runs/${CHECK_RUN_ID}`, (body: Record<string, unknown>) => {
        checkRuns.push({ ...body });
        return true;
      })
      .times(checkRunUpdates)
      .reply(200, { id: CHECK_RUN_ID });
    scope
      .post(`${REPO_PATH}/pulls/${PR}/reviews`, (body: Review) => {
        reviews.push(body);
        return true;
      })
      .optionally()
      .reply(200, { id: 1 });
    scope
      .post(`${REPO_PATH}/issues/${PR}/comments`, (body: { body: string }) => {
        summaries.push({ method: "POST", body: body.body });
        return true;
      })
      .optionally()
      .reply(201, { id: 900 });
    return scope;
  }

  async function receive(options: PullRequestOptions = {}, id = "pr-1"): Promise<void> {
    await probot.receive({ id, name: "pull_request", payload: pullRequestPayload(options) as never });
  }

  it("a first review: one COMMENT review on the head commit with a suggestion on the added Job, and one summary comment", async () => {
    mockPullRequest({
      head: { "argocd/hello.yaml": APPLICATION, "apps/migrate.yaml": job("db-migrate") },
      changed: ["apps/migrate.yaml"],
    });

    await receive();

    expect(checkRuns[0]).toMatchObject({ head_sha: HEAD_SHA, status: "in_progress" });
    expect(checkRuns[1]).toMatchObject({ status: "completed", conclusion: "neutral" });
    expect(reviews).toHaveLength(1);
    const [review] = reviews as [Review];
    expect(review.commit_id).toBe(HEAD_SHA);
    expect(review.event).toBe("COMMENT");
    expect(review.comments).toEqual([
      {
        path: "apps/migrate.yaml",
        line: 4,
        side: "RIGHT",
        body: expect.stringContaining(
          "```suggestion\n  name: db-migrate\n  annotations:\n    argocd.argoproj.io/hook: PreSync\n    argocd.argoproj.io/hook-delete-policy: BeforeHookCreation\n```",
        ) as unknown,
      },
    ]);
    expect(review.comments[0]?.body).toMatch(
      /<!-- argocd-job-guard:finding fp=[0-9a-f]{16} fix=[0-9a-f]{16} -->$/,
    );
    expect(summaries).toHaveLength(1);
    expect(summaries[0]?.body).toMatch(/^<!-- argocd-job-guard:summary -->\n\n### Argo CD Jobs: 1 warning\n/);
    expect(summaries[0]?.body).toContain("| `apps/migrate.yaml:2` | commented on its line |");
  });

  it("synchronize says nothing twice: no new review for a finding already commented, the summary left as it is", async () => {
    const state = {
      head: { "argocd/hello.yaml": APPLICATION, "apps/migrate.yaml": job("db-migrate") },
      changed: ["apps/migrate.yaml"],
    };
    mockPullRequest(state);
    await receive();
    const earlier = reviews[0]?.comments[0];
    const summary = summaries[0]?.body;
    reviews = [];
    summaries = [];
    mockPullRequest(
      {
        ...state,
        reviewComments: [{ id: 501, node_id: "C1", body: earlier?.body, user: { type: "Bot" } }],
        issueComments: [{ id: 900, body: summary, user: { type: "Bot" } }],
      },
      1,
      false,
    );

    await receive({ action: "synchronize" }, "pr-2");

    expect(reviews).toEqual([]);
    expect(summaries).toEqual([]);
  });

  it("costs a constant number of calls: 11 for a first review of added files, 8 for a push that changes nothing said", async () => {
    const state = {
      head: { "argocd/hello.yaml": APPLICATION, "apps/migrate.yaml": job("db-migrate") },
      changed: ["apps/migrate.yaml"],
    };
    const first = recordRequests([mockPullRequest(state)]);
    await receive();
    const earlier = reviews[0]?.comments[0];
    const again = recordRequests([
      mockPullRequest(
        {
          ...state,
          reviewComments: [{ id: 501, node_id: "C1", body: earlier?.body, user: { type: "Bot" } }],
          issueComments: [{ id: 900, body: summaries[0]?.body, user: { type: "Bot" } }],
        },
        1,
        false,
      ),
    ]);

    await receive({ action: "synchronize" }, "pr-2");

    // Token, configuration (repository, then organisation), check run, compare, review comments, archive, check
    // run, review, issue comments, summary; the archive host's download is one more request, on another host.
    expect(first).toHaveLength(11);
    expect(again).toHaveLength(8);
  });

  it("a new finding on synchronize is commented alone, and a comment by someone else with the marker is not the app's", async () => {
    const state = {
      head: {
        "argocd/hello.yaml": APPLICATION,
        "apps/migrate.yaml": job("db-migrate"),
        "apps/seed.yaml": job("db-seed"),
      },
      changed: ["apps/migrate.yaml", "apps/seed.yaml"],
    };
    mockPullRequest(state);
    await receive();
    const [migrate, seed] = reviews[0]?.comments ?? [];
    reviews = [];
    mockPullRequest(
      {
        ...state,
        reviewComments: [
          { id: 501, node_id: "C1", body: migrate?.body, user: { type: "Bot" } },
          { id: 502, node_id: "C2", body: seed?.body, user: { type: "User" } },
        ],
      },
      1,
      false,
    );

    await receive({ action: "synchronize" }, "pr-2");

    expect(reviews[0]?.comments.map((c) => c.path)).toEqual(["apps/seed.yaml"]);
  });

  describe("a finding the author fixed", () => {
    const fixedJob = jobYaml("db-migrate", { metadataExtra: PRESYNC_HOOK_ANNOTATIONS });

    async function earlierComments(): Promise<{ comment: string; summary: string }> {
      mockPullRequest({
        head: { "argocd/hello.yaml": APPLICATION, "apps/migrate.yaml": job("db-migrate") },
        changed: ["apps/migrate.yaml"],
      });
      await receive();
      const result = { comment: reviews[0]?.comments[0]?.body ?? "", summary: summaries[0]?.body ?? "" };
      reviews = [];
      summaries = [];
      return result;
    }

    function mockFixedHead(scope: nock.Scope, earlier: { comment: string; summary: string }): void {
      mockPullRequestReads(scope, {
        head: { "argocd/hello.yaml": APPLICATION, "apps/migrate.yaml": fixedJob },
        changed: ["apps/migrate.yaml"],
        reviewComments: [{ id: 501, node_id: "C1", body: earlier.comment, user: { type: "Bot" } }],
        issueComments: [{ id: 900, body: earlier.summary, user: { type: "Bot" } }],
      });
      scope.post(`${REPO_PATH}/check-runs`).reply(201, { id: CHECK_RUN_ID });
      scope.patch(`${REPO_PATH}/check-runs/${CHECK_RUN_ID}`).reply(200, {});
      scope
        .patch(`${REPO_PATH}/issues/comments/900`, (body: { body: string }) => {
          summaries.push({ method: "PATCH", body: body.body });
          return true;
        })
        .reply(200, {});
    }

    it("resolves the app's thread over GraphQL, and the summary flips to all clear", async () => {
      const earlier = await earlierComments();
      const scope = nock(API);
      mockFixedHead(scope, earlier);
      const graphql: { query: string; variables: Record<string, unknown> }[] = [];
      scope
        .post("/graphql", (body: { query: string; variables: Record<string, unknown> }) => {
          graphql.push(body);
          return true;
        })
        .reply(200, {
          data: {
            repository: {
              pullRequest: {
                reviewThreads: {
                  pageInfo: { hasNextPage: false, endCursor: null },
                  nodes: [
                    { id: "T-other", isResolved: false, comments: { nodes: [{ databaseId: 77 }] } },
                    { id: "T1", isResolved: false, comments: { nodes: [{ databaseId: 501 }] } },
                  ],
                },
              },
            },
          },
        })
        .post("/graphql", (body: { query: string; variables: Record<string, unknown> }) => {
          graphql.push(body);
          return true;
        })
        .reply(200, { data: { resolveReviewThread: { thread: { id: "T1", isResolved: true } } } });

      await receive({ action: "synchronize" }, "pr-2");

      expect(graphql[0]?.variables).toEqual({ owner: OWNER, repo: REPO, number: PR, cursor: null });
      expect(graphql[1]?.query).toContain("resolveReviewThread");
      expect(graphql[1]?.variables).toEqual({ threadId: "T1" });
      expect(reviews).toEqual([]);
      expect(summaries).toEqual([
        { method: "PATCH", body: expect.stringContaining("### Argo CD Jobs: ✅ all clear") as unknown },
      ]);
    });

    it("where GraphQL refuses, edits the comment to say which commit fixed it", async () => {
      const earlier = await earlierComments();
      const scope = nock(API);
      mockFixedHead(scope, earlier);
      scope.post("/graphql").reply(200, {
        data: null,
        errors: [{ type: "FORBIDDEN", message: "Resource not accessible by integration" }],
      });
      let edited = "";
      scope
        .patch(`${REPO_PATH}/pulls/comments/501`, (body: { body: string }) => {
          edited = body.body;
          return true;
        })
        .reply(200, {});

      await receive({ action: "synchronize" }, "pr-2");

      expect(edited).toMatch(
        new RegExp(`^\\*\\*✅ Fixed in ${HEAD_SHA}\\.\\*\\*\n<!-- argocd-job-guard:fixed -->`),
      );
      expect(edited).toContain(earlier.comment);
      expect(summaries[0]?.body).toContain("✅ all clear");
    });
  });

  it("a finding on lines the pull request does not change goes to the summary and the check run, not to a review", async () => {
    const before = `${job("db-migrate")}---\n${CONFIG_MAP}`;
    const after = `${before}  e: "5"\n`;
    mockPullRequest({
      head: { "argocd/hello.yaml": APPLICATION, "apps/jobs.yaml": after },
      base: { "apps/jobs.yaml": before },
      changed: ["apps/jobs.yaml"],
    });

    await receive();

    expect(reviews).toEqual([]);
    expect(summaries[0]?.body).toContain(
      "| `apps/jobs.yaml:2` | not on a line this pull request changes: in the check run |",
    );
    const completed = checkRuns[1] as { output: { summary: string; annotations: unknown[] } };
    expect(completed.output.annotations).toHaveLength(1);
    expect(completed.output.summary).toContain("1 are on lines this pull request does not change");
  });

  it.each([
    ["a Job changed on the base branch but not by the pull request is not its problem", "app:1.0", false],
    ["a Job the pull request changes is (the same test, with the change on the branch)", "app:0.9", true],
  ])("%s: diff-aware against the merge base", async (_name, mergeBaseImage, reported) => {
    // The base branch's tip has app:2.0 (not read at all); the branch keeps app:1.0 and adds a label elsewhere.
    const head = `${job("db-migrate", "app:1.0")}---\n${CONFIG_MAP}  e: "5"\n`;
    mockPullRequest({
      head: { "argocd/hello.yaml": APPLICATION, "apps/jobs.yaml": head },
      base: { "apps/jobs.yaml": `${job("db-migrate", mergeBaseImage)}---\n${CONFIG_MAP}` },
      changed: ["apps/jobs.yaml"],
    });

    await receive();

    const completed = checkRuns[1] as { output: { annotations: { title: string }[] } };
    const rules = completed.output.annotations.map((a) => a.title.split(":")[0]);
    // immutable-change takes the place of plain-job (one finding of that family per Job).
    expect(rules).toEqual([reported ? "immutable-change" : "plain-job"]);
    if (reported) {
      // Its own lines (kind to name) are outside the diff: it is said on the changed image line, its fix as a diff.
      expect(reviews[0]?.comments).toEqual([
        expect.objectContaining({ path: "apps/jobs.yaml", line: 11, side: "RIGHT" }) as unknown,
      ]);
      const body = reviews[0]?.comments[0]?.body ?? "";
      expect(body).toContain(
        'The sync fails with Job.batch "db-migrate" is invalid: spec.template: Invalid value: core.PodTemplateSpec{…}: field is immutable.',
      );
      expect(body).toContain("spec.template (spec.template.spec.containers[0].image)");
      expect(body).toContain("```diff\n--- a/apps/jobs.yaml");
      expect(body).not.toContain("```suggestion");
    } else {
      expect(reviews).toEqual([]);
    }
  });

  it("over the budget: 30 comments in the review, the rest in the summary and the check run", async () => {
    const head: Record<string, string> = { "argocd/hello.yaml": APPLICATION };
    const changed: string[] = [];
    for (let i = 10; i < 45; i++) {
      head[`apps/job-${i}.yaml`] = job(`job-${i}`);
      changed.push(`apps/job-${i}.yaml`);
    }
    mockPullRequest({ head, changed });

    await receive();

    expect(reviews[0]?.comments).toHaveLength(30);
    expect(reviews[0]?.body).toContain("5 more findings are in the summary comment and the check run");
    expect(summaries[0]?.body.match(/past the 30 comments of one review/g)).toHaveLength(5);
    expect(summaries[0]?.body.match(/commented on its line/g)).toHaveLength(30);
  });

  it("a pull request from a fork is checked and reviewed on its head commit", async () => {
    mockPullRequest({
      head: { "argocd/hello.yaml": APPLICATION, "apps/migrate.yaml": job("db-migrate") },
      changed: ["apps/migrate.yaml"],
    });

    await receive({ forkOwner: "contributor" });

    expect(checkRuns[0]).toMatchObject({ head_sha: HEAD_SHA });
    expect(reviews[0]?.comments).toHaveLength(1);
  });

  it("a draft with report.drafts: false gets its check run and no review; ready_for_review brings the review", async () => {
    const state = {
      head: { "argocd/hello.yaml": APPLICATION, "apps/migrate.yaml": job("db-migrate") },
      changed: ["apps/migrate.yaml"],
      config: "report:\n  drafts: false\n",
    };
    mockPullRequest({ ...state, reviewed: false });

    await receive({ draft: true });

    expect(checkRuns.map((c) => c.status)).toEqual(["in_progress", "completed"]);
    expect(reviews).toEqual([]);
    expect(summaries).toEqual([]);

    mockPullRequest(state, 1, false);
    await receive({ action: "ready_for_review" }, "pr-2");
    expect(reviews).toHaveLength(1);
  });

  it("a review GitHub refuses (422): the check run completes and says so, the summary lists the findings", async () => {
    const scope = mockInstallationToken(nock(API));
    mockPullRequestReads(scope, {
      head: { "argocd/hello.yaml": APPLICATION, "apps/migrate.yaml": job("db-migrate") },
      changed: ["apps/migrate.yaml"],
    });
    scope.post(`${REPO_PATH}/check-runs`).reply(201, { id: CHECK_RUN_ID });
    scope
      .patch(`${REPO_PATH}/check-runs/${CHECK_RUN_ID}`, (body: Record<string, unknown>) => {
        checkRuns.push(body);
        return true;
      })
      .times(2)
      .reply(200, {});
    scope.post(`${REPO_PATH}/pulls/${PR}/reviews`).reply(422, {
      message: "Unprocessable Entity",
      errors: [
        "Pull request review thread line must be part of the diff and Pull request review thread diff hunk can't be blank",
      ],
    });
    scope
      .post(`${REPO_PATH}/issues/${PR}/comments`, (body: { body: string }) => {
        summaries.push({ method: "POST", body: body.body });
        return true;
      })
      .reply(201, {});

    await receive();

    expect(checkRuns[0]).toMatchObject({ status: "completed", conclusion: "neutral" });
    const note = (checkRuns[1] as { output: { summary: string } }).output.summary;
    expect(note).toMatch(
      /^> GitHub refused the review \(422 Unprocessable Entity: Pull request review thread line must be part of the diff/,
    );
    expect(summaries[0]?.body).toContain("GitHub refused the review: in the check run");
  });

  it("a pull request that changes no manifest: a neutral check run, or none with report.checkRunWhenNoManifests: false", async () => {
    const scope = mockInstallationToken(nock(API));
    scope
      .get(`${REPO_PATH}/contents/.github%2Fargocd-job-guard.yml`)
      .reply(200, "report:\n  checkRunWhenNoManifests: false\n");
    scope.get(`${REPO_PATH}/compare/${"1".repeat(40)}...${HEAD_SHA}`).reply(200, {
      merge_base_commit: { sha: MERGE_BASE },
      files: [{ filename: "README.md", status: "modified", patch: "@@ -1 +1 @@\n-a\n+b" }],
    });
    scope.get(`${REPO_PATH}/pulls/${PR}/comments`).query({ per_page: "100" }).reply(200, []);
    scope.get(`${REPO_PATH}/issues/${PR}/comments`).query({ per_page: "100" }).reply(200, []);

    await receive();

    expect(checkRuns).toEqual([]);
    expect(reviews).toEqual([]);
  });

  it("when GitHub fails mid-way, the check run is still published and says what happened", async () => {
    const scope = mockInstallationToken(nock(API));
    scope.get(`${REPO_PATH}/contents/.github%2Fargocd-job-guard.yml`).reply(404);
    scope.get(`/repos/${OWNER}/.github/contents/.github%2Fargocd-job-guard.yml`).reply(404);
    scope.get(`${REPO_PATH}/compare/${"1".repeat(40)}...${HEAD_SHA}`).reply(502, { message: "Bad Gateway" });
    scope
      .post(`${REPO_PATH}/check-runs`, (body: Record<string, unknown>) => {
        checkRuns.push(body);
        return true;
      })
      .reply(201, { id: CHECK_RUN_ID });

    await expect(receive()).rejects.toThrow();

    expect(checkRuns).toEqual([
      expect.objectContaining({
        head_sha: HEAD_SHA,
        status: "completed",
        conclusion: "neutral",
        output: expect.objectContaining({ title: "argocd-job-guard could not scan this commit" }) as unknown,
      }),
    ]);
  });

  it('"Re-run" on the check run of a pull request head checks it as the pull request does, saying nothing twice', async () => {
    const state = {
      head: { "argocd/hello.yaml": APPLICATION, "apps/migrate.yaml": job("db-migrate") },
      changed: ["apps/migrate.yaml"],
    };
    mockPullRequest(state);
    await receive();
    const earlier = reviews[0]?.comments[0];
    reviews = [];
    const scope = mockPullRequest(
      {
        ...state,
        reviewComments: [{ id: 501, node_id: "C1", body: earlier?.body, user: { type: "Bot" } }],
        issueComments: [{ id: 900, body: summaries[0]?.body, user: { type: "Bot" } }],
      },
      1,
      false,
    );
    scope.get(`${REPO_PATH}/pulls/${PR}`).reply(200, {
      state: "open",
      draft: false,
      head: { sha: HEAD_SHA },
      base: { sha: "1".repeat(40) },
    });
    const rerun = examplePayload("check_run", (p) => p.action === "rerequested");
    const checkRun = rerun.check_run as Record<string, unknown>;

    await probot.receive({
      id: "rerun",
      name: "check_run",
      payload: {
        ...rerun,
        installation: { id: INSTALLATION_ID },
        repository: pullRequestPayload().repository,
        check_run: {
          ...checkRun,
          name: "Argo CD Jobs",
          app: { id: APP_ID },
          pull_requests: [{ number: PR }],
          check_suite: {
            ...(checkRun.check_suite as object),
            head_sha: HEAD_SHA,
            pull_requests: [{ number: PR }],
          },
        },
      } as never,
    });

    expect(checkRuns.slice(-2).map((c) => c.status)).toEqual(["in_progress", "completed"]);
    expect(reviews).toEqual([]);
  });

  it("the app's own fix pull request is left alone: its branch's pushes have their check runs", async () => {
    await receive({ headRef: "argocd-job-guard/master" });

    expect(checkRuns).toEqual([]);
  });

  it("a push to a branch that heads an open pull request leaves the check run to the pull request", async () => {
    const scope = mockInstallationToken(nock(API));
    scope
      .get(`${REPO_PATH}/pulls`)
      .query({ head: `${OWNER}:feature`, state: "open", per_page: "1" })
      .reply(200, [{ number: PR, body: "", html_url: "u" }]);
    const push = examplePayload("push", (p) => p.ref === "refs/heads/master" && p.installation !== undefined);

    await probot.receive({
      id: "push-1",
      name: "push",
      payload: {
        ...push,
        ref: "refs/heads/feature",
        installation: { id: INSTALLATION_ID },
        before: MERGE_BASE,
        after: HEAD_SHA,
        commits: [{ id: HEAD_SHA, added: ["apps/migrate.yaml"], removed: [], modified: [] }],
      } as never,
    });

    expect(scope.isDone()).toBe(true);
  });
});
