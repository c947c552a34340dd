import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import nock from "nock";
import type { Probot } from "probot";
import { runCli } from "../../src/cli/main.js";
import { recordingIo } from "../helpers/cli-io.js";
import { FIXTURES, loadFixtureCases } from "../helpers/fixture-cases.js";
import {
  API,
  createTestProbot,
  mockInstallationToken,
  setUpNock,
  tearDownNock,
} from "../helpers/github-mock.js";
import {
  CHECK_RUN_ID,
  PR,
  REPO_PATH,
  REPO_URL,
  commitSuggestions,
  mockPullRequestReads,
  pullRequestPayload,
} from "../helpers/pull-request-mock.js";

interface ReviewComment {
  path: string;
  line: number;
  start_line?: number;
  body: string;
}

/**
 * Every rule fixture as a pull request that adds its manifest: committing every suggestion of the app's review
 * must give the file `argocd-job-guard scan --fix` writes on a checkout of the same files, byte for byte.
 */
describe("review suggestions are the CLI's --fix", () => {
  const cases = loadFixtureCases().map((c) => ({ ...c, label: `${c.rule}/${c.name}` }));
  let probot: Probot;
  let checkout: string;
  /** Shared by the cases: an optional mock a case left unused answers a later case's request. */
  let comments: ReviewComment[] = [];

  beforeAll(() => {
    setUpNock();
    probot = createTestProbot();
    // Probot keeps the installation token: whichever case runs first asks for it.
    mockInstallationToken(nock(API)).persist();
    checkout = mkdtempSync(join(tmpdir(), "review-suggestions-"));
  });
  afterAll(() => {
    rmSync(checkout, { recursive: true, force: true });
    expect(tearDownNock()).toEqual([]);
  });

  it.each(cases.map((c) => [c.label, c] as const))("%s", async (label, fixture) => {
    const configFile = join(FIXTURES, fixture.rule, `${fixture.name}.config.yaml`);
    const config = existsSync(configFile) ? readFileSync(configFile, "utf8") : null;
    const head = Object.fromEntries(fixture.files.map((f) => [f.path, String(f.content)]));
    const scope = nock(API);
    mockPullRequestReads(scope, { head, changed: [fixture.path], config });
    scope.post(`${REPO_PATH}/check-runs`).reply(201, { id: CHECK_RUN_ID });
    scope.patch(`${REPO_PATH}/check-runs/${CHECK_RUN_ID}`).reply(200, {});
    comments = [];
    scope
      .post(`${REPO_PATH}/pulls/${PR}/reviews`, (body: { comments: ReviewComment[] }) => {
        comments.push(...body.comments);
        return true;
      })
      .optionally()
      .reply(200, {});
    scope.post(`${REPO_PATH}/issues/${PR}/comments`).optionally().reply(201, {});

    await probot.receive({ id: label, name: "pull_request", payload: pullRequestPayload() as never });

    const dir = join(checkout, label);
    for (const [path, text] of Object.entries({
      ...head,
      ...(config ? { ".github/argocd-job-guard.yml": config } : {}),
    })) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    await runCli(["scan", "--fix", "--repo-url", REPO_URL, "."], recordingIo(dir));
    const fixed = readFileSync(join(dir, fixture.path), "utf8");
    const committed = commitSuggestions(fixture.input, comments, fixture.path);
    if (fixture.input.includes("\r")) {
      // A comment body does not keep CR: such a file gets its fix as a diff, and no suggestion that would be wrong.
      expect(comments.some((c) => c.body.includes("```suggestion"))).toBe(false);
      expect(committed).toBe(fixture.input);
    } else {
      expect(committed).toBe(fixed);
    }
    expect(scope.isDone()).toBe(true);
  });

  it("covers fixtures whose fix changes the file, several fixes in one file among them", () => {
    const changed = cases.filter((c) => c.expectedOutput !== null && c.expectedOutput !== c.input);
    expect(changed.length).toBeGreaterThan(40);
  });
});
