import type { Context } from "probot";
import { FIX_BRANCH_PREFIX, FixBranchWriter, type OpenPullRequest } from "../github/fix-branch.js";
import {
  readFixPullRequestRecord,
  renderDeclinedComment,
  withFixPullRequestRecord,
  type FixPullRequestRecord,
} from "../render/fix-pull-request.js";
import { FixPullRequestEventPayload, parsePayload } from "./payloads.js";

/**
 * The app's own fix pull request, from a `pull_request` delivery: from its branch, in this repository, carrying
 * the app's record. Every other pull request is left to the review handlers.
 */
function fixPullRequestOf(delivered: unknown, octokit: Context["octokit"]) {
  const payload = parsePayload(FixPullRequestEventPayload, delivered, "pull_request");
  const pull = payload.pull_request;
  const record = readFixPullRequestRecord(pull.body);
  const sameRepository = pull.head.repo?.full_name === pull.base.repo.full_name;
  if (!record || !sameRepository || !pull.head.ref.startsWith(FIX_BRANCH_PREFIX)) return null;
  const open: OpenPullRequest = { number: pull.number, body: pull.body ?? null, htmlUrl: pull.html_url };
  const repo = { owner: payload.repository.owner.login, repo: payload.repository.name };
  return { payload, pull: open, record, writer: new FixBranchWriter(octokit, repo) };
}

/**
 * A person closed a fix pull request without merging it: its fixes are declined. The record in its body keeps
 * who declined them, for every later push to read (their findings are still reported, their fixes not proposed
 * while the Jobs stay the same), and the app says so once. A merge, the app's own close, another bot's close and
 * a redelivery change nothing.
 */
export async function onFixPullRequestClosed(context: Context<"pull_request.closed">): Promise<void> {
  const found = fixPullRequestOf(context.payload, context.octokit);
  if (!found) return;
  const { payload, pull, record, writer } = found;
  if (payload.pull_request.merged || payload.sender.type === "Bot" || record.declinedBy !== undefined) return;
  const declined: FixPullRequestRecord = { ...record, declinedBy: payload.sender.login };
  await writer.editBody(pull, withFixPullRequestRecord(pull.body, declined));
  await writer.comment(
    pull,
    renderDeclinedComment(payload.sender.login, record.fingerprints.length, payload.pull_request.base.ref),
  );
}

/** Reopening a declined fix pull request takes the decline back: the next push keeps it up to date again. */
export async function onFixPullRequestReopened(context: Context<"pull_request.reopened">): Promise<void> {
  const found = fixPullRequestOf(context.payload, context.octokit);
  if (!found || found.record.declinedBy === undefined) return;
  const { declinedBy: _declinedBy, ...record } = found.record;
  await found.writer.editBody(found.pull, withFixPullRequestRecord(found.pull.body, record));
}
