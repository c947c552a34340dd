import type { ApplicationFunction, Context } from "probot";
import { onIssueComment } from "./app/on-command.js";
import { deliveryClaimsFromEnv, type DeliveryClaims } from "./app/delivery-claims.js";
import { onFixPullRequestClosed, onFixPullRequestReopened } from "./app/on-fix-pull-request-closed.js";
import { onFixRequested } from "./app/on-fix-requested.js";
import { onPullRequest, REVIEWED_ACTIONS } from "./app/on-pull-request.js";
import { onPush } from "./app/on-push.js";
import { onCheckRunRerequested, onCheckSuiteRerequested } from "./app/on-rerequest.js";
import { hasInstallation } from "./app/payloads.js";
import { workerScanner, type Scanner } from "./app/scanner.js";
import { applyRequestTimeouts } from "./github/request-timeouts.js";
import { applySecondaryLimitRetries } from "./github/write-retries.js";

export interface AppOptions {
  /** Runs the engine; by default a pool of worker threads, so that a scan never blocks the webhook server. */
  scanner?: Scanner;
  /** This app's id, to leave other apps' check runs alone; by default `APP_ID` from the environment. */
  appId?: number | null;
  /**
   * Which replica acts on a delivery; by default the claims of `REDIS_URL` (connected on the first delivery), none
   * without it.
   */
  claims?: DeliveryClaims | null;
}

/**
 * The Probot app: wiring only (each use case lives in src/app/). `check_suite.requested`, which GitHub sends beside
 * every push, is left alone on purpose: the push handler owns that commit's check run.
 */
export function createApp(options: AppOptions = {}): ApplicationFunction {
  const scanner = options.scanner ?? workerScanner();
  const appId = options.appId !== undefined ? options.appId : Number(process.env.APP_ID) || null;
  let claims: Promise<DeliveryClaims | null> | null =
    options.claims !== undefined ? Promise.resolve(options.claims) : null;
  const getClaims = () => (claims ??= deliveryClaimsFromEnv(process.env));
  return (probot) => {
    // A delivery is claimed per handler: two handlers of one event each act once.
    const guarded = <C extends Context>(handlerName: string, handler: (context: C) => Promise<void>) =>
      guard(handler, getClaims, handlerName);
    probot.on(
      "push",
      guarded("push", (context) => onPush(context, scanner)),
    );
    probot.on(
      REVIEWED_ACTIONS.map((action) => `pull_request.${action}` as const),
      guarded("pull_request", (context) => onPullRequest(context, scanner)),
    );
    probot.on(
      "issue_comment.created",
      guarded("issue_comment.created", (context) => onIssueComment(context, scanner)),
    );
    probot.on(
      "check_suite.rerequested",
      guarded("check_suite.rerequested", (context) => onCheckSuiteRerequested(context, scanner)),
    );
    probot.on(
      "check_run.rerequested",
      guarded("check_run.rerequested", (context) => onCheckRunRerequested(context, scanner, appId)),
    );
    probot.on(
      "check_run.requested_action",
      guarded("check_run.requested_action", (context) => onFixRequested(context, scanner, appId)),
    );
    probot.on("pull_request.closed", guarded("pull_request.closed", onFixPullRequestClosed));
    probot.on("pull_request.reopened", guarded("pull_request.reopened", onFixPullRequestReopened));
  };
}

/**
 * What every handler needs first: an installation to act for (deliveries without one are ignored), the delivery's
 * claim when replicas share one (a delivery another replica has taken is skipped), a timeout on each GitHub
 * request, so that a GitHub that never answers cannot hold a delivery for ever, and writes that wait out GitHub's
 * secondary rate limits.
 */
function guard<C extends Context>(
  handler: (context: C) => Promise<void>,
  getClaims: () => Promise<DeliveryClaims | null>,
  handlerName: string,
): (context: C) => Promise<void> {
  return async (context) => {
    const claim = `${context.id}:${handlerName}`;
    if (!hasInstallation(context.payload)) {
      context.log.debug(`${context.name} delivery ${context.id} has no installation: ignored`);
      return;
    }
    const claims = await claimsOrNone(getClaims, context);
    if (claims && !(await claimOrAct(claims, claim, context))) {
      context.log.info(`${context.name} delivery ${context.id} taken by another replica: skipped`);
      return;
    }
    applyRequestTimeouts(context.octokit);
    applySecondaryLimitRetries(context.octokit);
    try {
      await handler(context);
    } catch (error) {
      await claims?.release(claim).catch(() => undefined);
      throw error;
    }
    await claims?.finish(claim).catch(() => undefined);
  };
}

/** Redis out of reach must not stop the app: it then acts on every delivery, as one process alone does. */
async function claimsOrNone(
  getClaims: () => Promise<DeliveryClaims | null>,
  context: Context,
): Promise<DeliveryClaims | null> {
  try {
    return await getClaims();
  } catch (error) {
    context.log.warn(`delivery claims unavailable (${String(error)}): acting on ${context.id} alone`);
    return null;
  }
}

async function claimOrAct(claims: DeliveryClaims, claim: string, context: Context): Promise<boolean> {
  try {
    return await claims.claim(claim);
  } catch (error) {
    context.log.warn(`could not claim delivery ${context.id} (${String(error)}): acting on it`);
    return true;
  }
}

export default createApp();
