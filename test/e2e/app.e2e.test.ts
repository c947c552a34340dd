import { CHECK_RUN_NAME } from "../../src/render/github-limits.js";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import {
  applySuggestions,
  completedCheckRun,
  fixedByCli,
  MIGRATION_JOB,
  pushImageBump,
  REPO,
  scanCheckout,
  startWorld,
  type World,
} from "./harness.js";

/**
 * The whole app as it runs in production: `node dist/server.js`, configured by its environment, talking HTTP to a
 * local GitHub over real git repositories, receiving signed webhooks over HTTP. Each test pushes to its own
 * branch, so the tests share one server and one repository.
 */
describe("the app end to end, against a local GitHub", () => {
  let world: World;

  beforeAll(async () => {
    world = await startWorld();
  }, 60_000);

  afterAll(async () => {
    await world?.close();
  });

  it("answers a push with a completed check run whose annotations point at the changed Job", async () => {
    const { github } = world;
    const push = await pushImageBump(github, "feature/bump", "1.5.0");

    const delivered = await github.deliver("push", push.payload);
    const run = await completedCheckRun(github, push.after);

    expect(delivered.status).toBe(200);
    expect(run.name).toBe(CHECK_RUN_NAME);
    expect(run.annotations.map((a) => [a.path, a.annotation_level])).toContainEqual([
      MIGRATION_JOB,
      expect.any(String),
    ]);
    expect(run.annotations.every((a) => a.path === MIGRATION_JOB)).toBe(true);
    expect(run.actions.map((a) => a.identifier)).toEqual(["open-fix-pr"]);
    expect(github.violations).toEqual([]);
  }, 60_000);

  it("opens a fix pull request on the button, whose head, checked out, the CLI finds nothing to fix in", async () => {
    const { github } = world;
    const push = await pushImageBump(github, "feature/button", "1.6.0");
    await github.deliver("push", push.payload);
    const run = await completedCheckRun(github, push.after);

    const pressed = await github.deliver(
      "check_run",
      github.checkRunPayload(REPO, run.id, {
        action: "requested_action",
        identifier: "open-fix-pr",
        sender: "alice",
        branch: "feature/button",
      }),
    );
    const pull = await github.waitFor(
      () => github.repository(REPO).pulls.find((p) => p.head === "argocd-job-guard/feature/button"),
      30_000,
      "the fix pull request",
    );

    expect(pressed.status).toBe(200);
    expect(pull).toMatchObject({
      state: "open",
      base: "feature/button",
      user: { login: "argocd-job-guard[bot]" },
    });
    const before = scanCheckout(github, "feature/button").filter((f) => f.file === MIGRATION_JOB);
    const after = scanCheckout(github, pull.head).filter((f) => f.file === MIGRATION_JOB);
    expect(before.length).toBeGreaterThan(0);
    expect(after).toEqual([]);
    expect(github.violations).toEqual([]);
  }, 90_000);

  /** Pushes an image bump to `branch` and waits for its check run: the run whose button the next test presses. */
  async function checkedPush(branch: string, tag: string) {
    const push = await pushImageBump(world.github, branch, tag);
    await world.github.deliver("push", push.payload);
    return completedCheckRun(world.github, push.after);
  }

  const press = (runId: number, branch: string, sender = "alice") =>
    world.github.checkRunPayload(REPO, runId, {
      action: "requested_action",
      identifier: "open-fix-pr",
      sender,
      branch,
    });

  const fixPulls = (branch: string) =>
    world.github.repository(REPO).pulls.filter((p) => p.head === `argocd-job-guard/${branch}`);

  it("opens one pull request when GitHub delivers the same button press twice", async () => {
    const { github } = world;
    const run = await checkedPush("feature/twice", "1.7.0");
    const payload = press(run.id, "feature/twice");

    const first = await github.deliver("check_run", payload, { delivery: "press-twice" });
    const second = await github.deliver("check_run", payload, { delivery: "press-twice" });

    expect([first.status, second.status]).toEqual([200, 200]);
    expect(fixPulls("feature/twice")).toHaveLength(1);
    expect(github.repository(REPO).checkRuns.find((r) => r.id === run.id)?.output.summary).toMatch(
      /up to date/,
    );
    expect(github.violations).toEqual([]);
  }, 90_000);

  it("opens one pull request when two presses arrive at once", async () => {
    const { github } = world;
    const run = await checkedPush("feature/race", "1.8.0");

    const answers = await Promise.all([
      github.deliver("check_run", press(run.id, "feature/race")),
      github.deliver("check_run", press(run.id, "feature/race")),
    ]);
    // Each press ends with its answer on the check run (a delivery taking over 10 s is answered 202 before that).
    const notes = await github.waitFor(
      () => {
        const updates = github.repository(REPO).checkRuns.find((r) => r.id === run.id)?.updates ?? [];
        const said = updates.filter((u) =>
          /^> /.test((u.output as { summary?: string } | undefined)?.summary ?? ""),
        );
        return said.length === 2 && said;
      },
      60_000,
      "both presses answered",
    );

    expect(answers.every((a) => a.status === 200 || a.status === 202)).toBe(true);
    expect(notes).toHaveLength(2);
    expect(fixPulls("feature/race")).toHaveLength(1);
    expect(github.violations).toEqual([]);
  }, 90_000);

  it("refuses the button to someone who cannot push, and says so on the check run", async () => {
    const { github } = world;
    const run = await checkedPush("feature/mallory", "1.9.0");

    await github.deliver("check_run", press(run.id, "feature/mallory", "mallory"));

    expect(fixPulls("feature/mallory")).toEqual([]);
    expect(github.repository(REPO).checkRuns.find((r) => r.id === run.id)?.output.summary).toMatch(
      /@mallory asked for a fix pull request, but only people who can push/,
    );
  }, 60_000);

  it("reviews a pull request with suggestions that, committed, give what scan --fix gives", async () => {
    const { github } = world;
    const added = "apps/shop-api/cleanup-job.yaml";
    const job = ((await github.fileAt(REPO, "main", MIGRATION_JOB)) ?? "").replace(/db-migrate/g, "cleanup");
    await github.commit(REPO, "feature/review", { [added]: job }, "Add a cleanup Job");
    const pull = github.openPullRequest(REPO, { head: "feature/review", base: "main", title: "Cleanup Job" });

    await github.deliver("pull_request", await github.pullRequestPayload(REPO, pull.number, "opened"));
    const review = await github.waitFor(
      () => github.repository(REPO).reviews.find((r) => r.pull_number === pull.number),
      60_000,
      "the review",
    );
    const comments = github
      .repository(REPO)
      .reviewComments.filter((c) => c.pull_request_review_id === review.id);

    expect(comments.length).toBeGreaterThan(0);
    expect(comments.every((c) => c.path === added)).toBe(true);
    expect(applySuggestions(job, comments)).toBe(fixedByCli(github, "feature/review", added));
    expect(applySuggestions(job, comments)).not.toBe(job);
    expect(github.violations).toEqual([]);
  }, 90_000);

  it("retries while GitHub answers 500, and completes the check run", async () => {
    const { github } = world;
    const push = await pushImageBump(github, "feature/flaky", "2.0.0");
    // The next two calls about the repository fail, whatever they are (the configuration read comes first).
    github.fail({ status: 500, times: 2, when: ({ path }) => path.includes(`/repos/${REPO}/`) });

    const delivered = await github.deliver("push", push.payload);
    const run = await completedCheckRun(github, push.after);

    expect(delivered.status).toBe(200);
    expect(github.requests.filter((r) => r.status === 500)).toHaveLength(2);
    expect(run.annotations.length).toBeGreaterThan(0);
  }, 90_000);

  it("waits out a secondary rate limit (403 with retry-after) on its writes, and completes the check run", async () => {
    const { github } = world;
    const push = await pushImageBump(github, "feature/limited", "2.0.1");
    const limited = (r: { method: string; path: string }) =>
      r.method !== "GET" && r.path.includes(`/repos/${REPO}/`);
    github.fail({
      status: 403,
      times: 2,
      when: limited,
      headers: { "retry-after": "1" },
      body: {
        message: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
      },
    });

    await github.deliver("push", push.payload);
    const run = await completedCheckRun(github, push.after);

    expect(github.requests.filter((r) => r.status === 403)).toHaveLength(2);
    expect(run.annotations.length).toBeGreaterThan(0);
    expect(github.repository(REPO).checkRuns.filter((r) => r.head_sha === push.after)).toHaveLength(1);
  }, 90_000);

  it("survives a GitHub it cannot reach, and completes the check when the delivery is redelivered", async () => {
    const { github, app } = world;
    const push = await pushImageBump(github, "feature/offline", "2.1.0");
    await github.stop();

    await github.deliver("push", push.payload, { delivery: "offline-push" });
    // Only once the app has given the delivery up does GitHub come back.
    await app.waitForLog(
      (entry) => (entry.level as number) >= 50 && JSON.stringify(entry).includes("offline-push"),
      90_000,
    );
    await github.resume();
    const redelivered = await github.deliver("push", push.payload, { delivery: "offline-push" });
    const run = await completedCheckRun(github, push.after);

    expect(app.child.exitCode).toBeNull();
    expect(app.stderr()).not.toMatch(/at .*\.js:\d+/);
    expect(redelivered.status).toBe(200);
    expect(run.annotations.length).toBeGreaterThan(0);
  }, 150_000);
});
