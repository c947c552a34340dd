import type { Context } from "probot";
import { RepoSource } from "../github/repo-source.js";
import { CHECK_RUN_NAME } from "../render/github-limits.js";
import { checkCommit } from "./check-commit.js";
import { reviewPullRequest } from "./review-pull-request.js";
import { CheckRunPayload, CheckSuitePayload, parsePayload } from "./payloads.js";
import { ZERO_SHA } from "./scan-commit.js";
import type { Scanner } from "./scanner.js";

/**
 * "Re-run all checks" on the check suite: scan the commit again and publish a new check run (for the head of an
 * open pull request, as the pull request does: against the merge base, with its review).
 */
export async function onCheckSuiteRerequested(
  context: Context<"check_suite.rerequested">,
  scanner: Scanner,
): Promise<void> {
  const payload = parsePayload(CheckSuitePayload, context.payload, "check_suite");
  await rescan(context, payload.check_suite, payload.repository, scanner);
}

/**
 * "Re-run" on our check run: scan the commit again and publish a new check run. Another app's check run is not
 * ours to re-run (`appId`, when known, and the name tell).
 */
export async function onCheckRunRerequested(
  context: Context<"check_run.rerequested">,
  scanner: Scanner,
  appId: number | null,
): Promise<void> {
  const payload = parsePayload(CheckRunPayload, context.payload, "check_run");
  const { check_run: checkRun } = payload;
  if (checkRun.name !== CHECK_RUN_NAME || (appId !== null && checkRun.app?.id !== appId)) return;
  const pullRequests = [...(checkRun.pull_requests ?? []), ...(checkRun.check_suite.pull_requests ?? [])];
  await rescan(
    context,
    { ...checkRun.check_suite, pull_requests: pullRequests },
    payload.repository,
    scanner,
  );
}

async function rescan(
  context: {
    octokit: Context["octokit"];
    repo: () => { owner: string; repo: string };
    config: Context["config"];
  },
  suite: {
    head_sha: string;
    before?: string | null | undefined;
    pull_requests?: readonly { number: number }[] | null | undefined;
  },
  repository: { html_url: string; default_branch: string },
  scanner: Scanner,
): Promise<void> {
  const headSha = suite.head_sha;
  // The head of an open pull request is checked as the pull request checks it: against the merge base.
  for (const number of new Set((suite.pull_requests ?? []).map((pull) => pull.number))) {
    const { data: pull } = await context.octokit.rest.pulls.get({ ...context.repo(), pull_number: number });
    if (pull.state !== "open" || pull.head.sha !== headSha) continue;
    await reviewPullRequest(
      context,
      context.repo(),
      { number, headSha, baseSha: pull.base.sha, draft: pull.draft ?? false, repoUrl: repository.html_url },
      scanner,
    );
    return;
  }
  const baseSha = typeof suite.before === "string" && !ZERO_SHA.test(suite.before) ? suite.before : null;
  const ref = context.repo();
  const changes = () =>
    new RepoSource(context.octokit, ref).compare(baseSha ?? repository.default_branch, headSha);
  await checkCommit(
    context,
    ref,
    {
      headSha,
      baseSha,
      changes,
      repoUrl: repository.html_url,
      branch: null,
      defaultBranch: repository.default_branch,
    },
    scanner,
  );
}
