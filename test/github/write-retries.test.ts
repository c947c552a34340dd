import { afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import nock from "nock";
import { ProbotOctokit } from "probot";
import { applyRequestTimeouts } from "../../src/github/request-timeouts.js";
import {
  applySecondaryLimitRetries,
  SECONDARY_LIMIT_DEFAULT_WAIT_MS,
} from "../../src/github/write-retries.js";
import { API, setUpNock, tearDownNock } from "../helpers/github-mock.js";

beforeEach(setUpNock);
afterEach(() => {
  expect(tearDownNock()).toEqual([]);
});

const SECONDARY = {
  message:
    "You have exceeded a secondary rate limit and have been temporarily blocked from content creation. Please retry your request again later.",
};

/** A client whose waits are recorded, not slept: the test never waits for time. */
function client() {
  const waits: number[] = [];
  const octokit = new ProbotOctokit({ auth: "t", retry: { enabled: false }, throttle: { enabled: false } });
  applyRequestTimeouts(octokit);
  applySecondaryLimitRetries(octokit, (ms) => {
    waits.push(ms);
    return Promise.resolve();
  });
  applySecondaryLimitRetries(octokit, () => Promise.reject(new Error("applied twice")));
  return { octokit, waits };
}

const comment = (octokit: InstanceType<typeof ProbotOctokit>) =>
  octokit.rest.issues.createComment({ owner: "o", repo: "r", issue_number: 1, body: "hi" });

describe("a write refused by a secondary rate limit", () => {
  it("is sent again after the retry-after GitHub gives", async () => {
    const { octokit, waits } = client();
    nock(API)
      .post("/repos/o/r/issues/1/comments")
      .reply(403, SECONDARY, { "retry-after": "7" })
      .post("/repos/o/r/issues/1/comments")
      .reply(201, { id: 5 });

    const { data } = await comment(octokit);

    expect(data.id).toBe(5);
    expect(waits).toEqual([7_000]);
  });

  it("waits a minute when GitHub gives no retry-after, then twice as long, then gives up", async () => {
    const { octokit, waits } = client();
    nock(API).post("/repos/o/r/issues/1/comments").times(3).reply(403, SECONDARY);

    await expect(comment(octokit)).rejects.toMatchObject({ status: 403 });
    expect(waits).toEqual([SECONDARY_LIMIT_DEFAULT_WAIT_MS, 2 * SECONDARY_LIMIT_DEFAULT_WAIT_MS]);
  });

  it("answered 429 with retry-after is retried too", async () => {
    const { octokit, waits } = client();
    nock(API)
      .post("/repos/o/r/issues/1/comments")
      .reply(429, { message: "Too many requests" }, { "retry-after": "2" })
      .post("/repos/o/r/issues/1/comments")
      .reply(201, { id: 6 });

    await comment(octokit);
    expect(waits).toEqual([2_000]);
  });
});

describe("what is not retried", () => {
  it("a read, a plain 403 and a spent primary limit fail at once", async () => {
    const { octokit, waits } = client();
    nock(API)
      .get("/repos/o/r")
      .reply(403, SECONDARY, { "retry-after": "1" })
      .post("/repos/o/r/issues/1/comments")
      .reply(403, { message: "Resource not accessible by integration" })
      .post("/repos/o/r/issues/1/comments")
      .reply(403, { message: "API rate limit exceeded" }, { "x-ratelimit-remaining": "0" });

    await expect(octokit.rest.repos.get({ owner: "o", repo: "r" })).rejects.toMatchObject({ status: 403 });
    await expect(comment(octokit)).rejects.toThrow(/not accessible/);
    await expect(comment(octokit)).rejects.toThrow(/rate limit exceeded/);
    expect(waits).toEqual([]);
  });
});
