import { afterEach, beforeEach, expect, it } from "@jest/globals";
import nock from "nock";
import { ProbotOctokit } from "probot";
import { applyRequestTimeouts } from "../../src/github/request-timeouts.js";
import { API, setUpNock, tearDownNock } from "../helpers/github-mock.js";

beforeEach(setUpNock);
afterEach(() => {
  expect(tearDownNock()).toEqual([]);
});

/** The signal each request reached fetch with, seen by a hook placed inside the timeout hook. */
function recordSignals(octokit: InstanceType<typeof ProbotOctokit>): (AbortSignal | undefined)[] {
  const signals: (AbortSignal | undefined)[] = [];
  octokit.hook.before("request", (options) => {
    signals.push((options.request as { signal?: AbortSignal } | undefined)?.signal);
  });
  return signals;
}

it("gives every request a timeout, once however often it is applied, and keeps a request's own signal", async () => {
  nock(API).get("/repos/o/r").times(2).reply(200, {});
  const octokit = new ProbotOctokit({ auth: "t", retry: { enabled: false }, throttle: { enabled: false } });
  const signals = recordSignals(octokit);
  applyRequestTimeouts(octokit, 5_000);
  applyRequestTimeouts(octokit, 5_000);
  const own = new AbortController().signal;

  await octokit.request("GET /repos/{owner}/{repo}", { owner: "o", repo: "r" });
  await octokit.request("GET /repos/{owner}/{repo}", { owner: "o", repo: "r", request: { signal: own } });

  expect(signals).toHaveLength(2);
  expect(signals[0]).toBeInstanceOf(AbortSignal);
  expect(signals[0]?.aborted).toBe(false);
  expect(signals[1]).toBe(own);
});

it("a request past its timeout fails instead of holding the delivery", async () => {
  nock(API).get("/repos/o/r").reply(200, {});
  const octokit = new ProbotOctokit({ auth: "t", retry: { enabled: false }, throttle: { enabled: false } });
  // A timeout already spent: the request is aborted at once, with no waiting in the test.
  applyRequestTimeouts(octokit, 0);

  await expect(octokit.request("GET /repos/{owner}/{repo}", { owner: "o", repo: "r" })).rejects.toThrow();
  nock.cleanAll();
});
