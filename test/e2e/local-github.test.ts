import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { join } from "node:path";
import { ProbotOctokit } from "probot";
import { generateAppKey } from "../../dev/local-github/app-process.js";
import { LocalGitHub } from "../../dev/local-github/server.js";

const REPO = { owner: "example-org", repo: "gitops-repo" };
const JOB = "apps/shop-api/db-migrate-job.yaml";

/**
 * The local GitHub answers as GitHub would, refusing what GitHub refuses: the end-to-end tests and the review flow
 * rely on it to fail a malformed call rather than accept it.
 */
describe("the local GitHub", () => {
  let github: LocalGitHub;
  let octokit: InstanceType<typeof ProbotOctokit>;
  let pullNumber: number;

  beforeAll(async () => {
    const privateKey = generateAppKey();
    github = await LocalGitHub.start({ app: { id: 7, slug: "argocd-job-guard", privateKey } });
    await github.createRepository("example-org/gitops-repo", {
      from: join(import.meta.dirname, "..", "..", "examples", "gitops-repo"),
    });
    octokit = new ProbotOctokit({
      auth: { appId: 7, privateKey, installationId: 1 },
      baseUrl: github.apiUrl,
      retry: { enabled: false },
      throttle: { enabled: false },
    });
    const text = (await github.fileAt("example-org/gitops-repo", "main", JOB)) ?? "";
    await github.commit(
      "example-org/gitops-repo",
      "feature",
      { [JOB]: text.replace("1.4.2", "1.5.0") },
      "Bump",
    );
    pullNumber = github.openPullRequest("example-org/gitops-repo", {
      head: "feature",
      base: "main",
      title: "Bump",
    }).number;
  }, 30_000);

  afterAll(() => github.close());

  const statusOf = async (call: Promise<unknown>) => {
    try {
      await call;
      return 200;
    } catch (error) {
      return (error as { status: number }).status;
    }
  };

  it("gives installation tokens only for a JWT signed with the app's key", async () => {
    const stranger = new ProbotOctokit({
      auth: { appId: 7, privateKey: generateAppKey(), installationId: 1 },
      baseUrl: github.apiUrl,
      retry: { enabled: false },
      throttle: { enabled: false },
    });

    const before = github.violations.length;

    expect(await statusOf(stranger.rest.repos.get(REPO))).toBe(401);
    expect(await statusOf(octokit.rest.git.getRef({ ...REPO, ref: "heads/main" }))).toBe(200);
    expect(github.violations.slice(before)).toEqual([
      expect.stringMatching(/not a JWT signed by the app's key/),
    ]);
    github.violations.splice(before);
  });

  it("refuses a body GitHub's description refuses, and a route GitHub does not have, and records both", async () => {
    const before = github.violations.length;

    const badBody = await statusOf(
      octokit.request("POST /repos/{owner}/{repo}/git/trees", {
        ...REPO,
        // A mode git does not have: GitHub's description lists the five it takes.
        tree: [{ path: "x", mode: "644" } as never],
      }),
    );
    const noRoute = await statusOf(octokit.request("GET /repos/{owner}/{repo}/no-such-thing", REPO));

    expect([badBody, noRoute]).toEqual([422, 404]);
    expect(github.violations.slice(before)).toEqual([
      expect.stringMatching(/^git\/create-tree: .*mode/),
      expect.stringMatching(/no such route/),
    ]);
    github.violations.splice(before);
  });

  it("answers GraphQL with 'not available', so that REST fallbacks run", async () => {
    expect(await statusOf(octokit.graphql("query { viewer { login } }"))).toBe(404);
  });

  it("places review comments only on lines of the pull request's diff", async () => {
    const files = await octokit.rest.pulls.listFiles({ ...REPO, pull_number: pullNumber });
    const line = Number(/@@ -\d+(?:,\d+)? \+(\d+)/.exec(files.data[0]?.patch ?? "")?.[1]);

    const onDiff = await octokit.rest.pulls.createReview({
      ...REPO,
      pull_number: pullNumber,
      event: "COMMENT",
      body: "review",
      comments: [{ path: JOB, line, side: "RIGHT", body: "here" }],
    });
    const offDiff = await statusOf(
      octokit.rest.pulls.createReview({
        ...REPO,
        pull_number: pullNumber,
        event: "COMMENT",
        comments: [{ path: JOB, line: 1, side: "RIGHT", body: "not in the diff" }],
      }),
    );

    expect(onDiff.data.state).toBe("COMMENTED");
    expect(offDiff).toBe(422);
    const comments = await octokit.rest.pulls.listReviewComments({ ...REPO, pull_number: pullNumber });
    expect(comments.data.map((c) => [c.path, c.line, c.body])).toEqual([[JOB, line, "here"]]);
  });

  it("keeps issue comments (edited in place, paginated) and answers a repeated reaction 200", async () => {
    const created = await octokit.rest.issues.createComment({
      ...REPO,
      issue_number: pullNumber,
      body: "one",
    });
    for (const body of ["two", "three"])
      await octokit.rest.issues.createComment({ ...REPO, issue_number: pullNumber, body });
    await octokit.rest.issues.updateComment({ ...REPO, comment_id: created.data.id, body: "one, edited" });
    const first = await octokit.rest.reactions.createForIssueComment({
      ...REPO,
      comment_id: created.data.id,
      content: "eyes",
    });
    const again = await octokit.rest.reactions.createForIssueComment({
      ...REPO,
      comment_id: created.data.id,
      content: "eyes",
    });

    const all = await octokit.paginate(octokit.rest.issues.listComments, {
      ...REPO,
      issue_number: pullNumber,
      per_page: 2,
    });

    expect(all.map((c) => c.body)).toEqual(["one, edited", "two", "three"]);
    expect([first.status, again.status]).toEqual([201, 200]);
    expect(github.violations).toEqual([]);
  });
});
