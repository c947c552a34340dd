import type { ProbotOctokit } from "probot";

type Octokit = InstanceType<typeof ProbotOctokit>;

/**
 * How long one GitHub request may take, retries included. Without a bound, a GitHub that accepts the connection
 * and never answers would hold a delivery, and its check run "in progress", forever.
 */
export const REQUEST_TIMEOUT_MS = 60_000;

const withTimeouts = new WeakSet<object>();
/** The signals this module made, as opposed to a caller's own (which are never replaced). */
const timeoutSignals = new WeakSet<AbortSignal>();

/**
 * Gives every request of this client a timeout, unless it brings its own signal. It must be a `before` hook that
 * sets the signal on the request's own options object: Octokit's hooks are bound to that object, so options passed
 * anew from a `wrap` never reach fetch. Retries re-send the same options, so the bound covers a request and its
 * retries.
 */
export function applyRequestTimeouts(octokit: Octokit, timeoutMs = REQUEST_TIMEOUT_MS): Octokit {
  if (withTimeouts.has(octokit)) return octokit;
  withTimeouts.add(octokit);
  octokit.hook.before("request", (options) => {
    const requestOptions = (options.request ?? {}) as { signal?: AbortSignal };
    if (requestOptions.signal) return;
    options.request = { ...requestOptions, signal: timeoutSignal(timeoutMs) };
  });
  return octokit;
}

/**
 * Gives a request about to be sent again after a long wait (a secondary rate limit) a fresh timeout, when its
 * timeout was this module's: the wait must not count against the request.
 */
export function renewRequestTimeout(options: { request?: unknown }, timeoutMs = REQUEST_TIMEOUT_MS): void {
  const requestOptions = (options.request ?? {}) as { signal?: AbortSignal };
  if (requestOptions.signal && timeoutSignals.has(requestOptions.signal))
    options.request = { ...requestOptions, signal: timeoutSignal(timeoutMs) };
}

function timeoutSignal(timeoutMs: number): AbortSignal {
  const signal = AbortSignal.timeout(timeoutMs);
  timeoutSignals.add(signal);
  return signal;
}
