import { CHECK_RUN_NAME } from "../../src/render/github-limits.js";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import {
  completedCheckRun,
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
  }, 30_000);

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
});
