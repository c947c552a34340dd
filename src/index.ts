import type { ApplicationFunction, Context } from "probot";
import { onIssueComment } from "./app/on-command.js";
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
}

/**
 * The Probot app: wiring only (each use case lives in src/app/). `check_suite.requested`, which GitHub sends beside
 * every push, is left alone on purpose: the push handler owns that commit's check run.
 */
export function createApp(options: AppOptions = {}): ApplicationFunction {
  const scanner = options.scanner ?? workerScanner();
  const appId = options.appId !== undefined ? options.appId : Number(process.env.APP_ID) || null;
  return (probot) => {
    probot.on(
      "push",
      guarded((context) => onPush(context, scanner)),
    );
    probot.on(
      REVIEWED_ACTIONS.map((action) => `pull_request.${action}` as const),
      guarded((context) => onPullRequest(context, scanner)),
    );
    probot.on(
      "issue_comment.created",
      guarded((context) => onIssueComment(context, scanner)),
    );
    probot.on(
      "check_suite.rerequested",
      guarded((context) => onCheckSuiteRerequested(context, scanner)),
    );
    probot.on(
      "check_run.rerequested",
      guarded((context) => onCheckRunRerequested(context, scanner, appId)),
    );
    probot.on(
      "check_run.requested_action",
      guarded((context) => onFixRequested(context, scanner, appId)),
    );
    probot.on("pull_request.closed", guarded(onFixPullRequestClosed));
    probot.on("pull_request.reopened", guarded(onFixPullRequestReopened));
  };
}

/**
 * What every handler needs first: an installation to act for (deliveries without one are ignored), a timeout on
 * each GitHub request, so that a GitHub that never answers cannot hold a delivery for ever, and writes that wait
 * out GitHub's secondary rate limits.
 */
function guarded<C extends Context>(handler: (context: C) => Promise<void>): (context: C) => Promise<void> {
  return async (context) => {
    if (!hasInstallation(context.payload)) {
      context.log.debug(`${context.name} delivery ${context.id} has no installation: ignored`);
      return;
    }
    applyRequestTimeouts(context.octokit);
    applySecondaryLimitRetries(context.octokit);
    await handler(context);
  };
}

export default createApp();
