import type { ProbotOctokit } from "probot";
import { statusOf } from "./errors.js";
import { renewRequestTimeout } from "./request-timeouts.js";

type Octokit = InstanceType<typeof ProbotOctokit>;

/** GitHub's advice when a secondary rate limit gives no `retry-after`: "wait for at least one minute". */
export const SECONDARY_LIMIT_DEFAULT_WAIT_MS = 60_000;
/** Retries of one write after a secondary rate limit, each wait doubling: then the delivery fails and says so. */
export const SECONDARY_LIMIT_RETRIES = 2;

const WRITE_METHODS = new Set(["POST", "PATCH", "PUT", "DELETE"]);
const withRetries = new WeakSet<object>();

export type Wait = (ms: number) => Promise<void>;

const realWait: Wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Sends a write again after GitHub's secondary rate limit (403 or 429 with `retry-after`, or saying "secondary rate
 * limit"), waiting what GitHub asks (a minute when it does not say), then twice as long. Probot's throttling only
 * logs these for its webhook clients, so without this a burst of writes would lose the fix PR or check run half-way.
 * Reads are not retried here: they are cheap to redo with the next delivery, and a wait holds the delivery.
 */
export function applySecondaryLimitRetries(octokit: Octokit, wait: Wait = realWait): Octokit {
  if (withRetries.has(octokit)) return octokit;
  withRetries.add(octokit);
  octokit.hook.wrap("request", async (request, options) => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await request(options);
      } catch (error) {
        const delay = secondaryLimitWait(error);
        if (delay === null || !WRITE_METHODS.has(options.method) || attempt >= SECONDARY_LIMIT_RETRIES)
          throw error;
        await wait(delay * 2 ** attempt);
        renewRequestTimeout(options);
      }
    }
  });
  return octokit;
}

/** How long GitHub asks to wait after this error, or null when it is not a secondary rate limit. */
export function secondaryLimitWait(error: unknown): number | null {
  const status = statusOf(error);
  if (status !== 403 && status !== 429) return null;
  const headers =
    (error as { response?: { headers?: Record<string, string | number | undefined> } }).response?.headers ??
    {};
  const retryAfter = Number(headers["retry-after"]);
  const saysSecondary = /secondary rate limit/i.test(error instanceof Error ? error.message : "");
  // A spent primary limit names its reset time; Probot's throttling already waits for that one.
  if (String(headers["x-ratelimit-remaining"]) === "0" && !saysSecondary) return null;
  if (headers["retry-after"] !== undefined && Number.isFinite(retryAfter) && retryAfter >= 0)
    return retryAfter * 1000;
  return saysSecondary ? SECONDARY_LIMIT_DEFAULT_WAIT_MS : null;
}
