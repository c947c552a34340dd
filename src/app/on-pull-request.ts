import type { Context } from "probot";
import { FIX_BRANCH_PREFIX } from "../github/fix-branch.js";
import { parsePayload, PullRequestPayload } from "./payloads.js";
import { reviewPullRequest } from "./review-pull-request.js";
import type { Scanner } from "./scanner.js";

/** The pull_request actions that bring a head to review; `closed` (of the app's own fix PR) is handled elsewhere. */
export const REVIEWED_ACTIONS = ["opened", "synchronize", "reopened", "ready_for_review"] as const;

/**
 * A pull request opened, pushed to, reopened or marked ready: check and review its head. A closed pull request is
 * left alone (a delivery can arrive late), and so is the app's own fix pull request: the pushes to its branch have
 * their check runs, its other events are the fix pull request's handlers', and the app does not review itself.
 */
export async function onPullRequest(context: Context<"pull_request">, scanner: Scanner): Promise<void> {
  if (isOwnFixPullRequest(context.payload)) return;
  const payload = parsePayload(PullRequestPayload, context.payload, "pull_request");
  const { pull_request: pull, repository } = payload;
  if (!(REVIEWED_ACTIONS as readonly string[]).includes(payload.action) || pull.state !== "open") return;
  await reviewPullRequest(
    context,
    context.repo(),
    {
      number: pull.number,
      headSha: pull.head.sha,
      baseSha: pull.base.sha,
      draft: pull.draft,
      repoUrl: repository.html_url,
    },
    scanner,
  );
}

function isOwnFixPullRequest(payload: {
  pull_request: {
    head: { ref: string; repo?: { full_name: string } | null };
    base: { repo: { full_name: string } };
  };
}): boolean {
  const { head, base } = payload.pull_request;
  return head.ref.startsWith(FIX_BRANCH_PREFIX) && head.repo?.full_name === base.repo.full_name;
}
