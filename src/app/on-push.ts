import type { Context } from "probot";
import { FIX_BRANCH_PREFIX, FixBranchWriter } from "../github/fix-branch.js";
import { RepoSource, type ChangedFile, type RepoRef } from "../github/repo-source.js";
import { MAX_PUSH_PAYLOAD_COMMITS } from "../render/github-limits.js";
import { checkCommit, type Changes } from "./check-commit.js";
import { parsePayload, PushPayload } from "./payloads.js";
import { ZERO_SHA } from "./scan-commit.js";
import type { Scanner } from "./scanner.js";

interface PushCommit {
  added?: string[] | undefined;
  modified?: string[] | undefined;
  removed?: string[] | undefined;
}

/**
 * A push to a branch: scan the changed manifests, diff-aware against the commit before, and publish one check run
 * on the head commit. Branch deletions and tag pushes are ignored.
 *
 * A feature branch that heads an open pull request is left to that pull request's `synchronize`, which checks the
 * same commit against the merge base: one check run per head commit, the one that tells what merging brings. The
 * default branch (whose pushes keep its fix pull request, `report.fixPullRequest: auto`) and the app's own fix
 * branches keep their push check runs.
 */
export async function onPush(context: Context<"push">, scanner: Scanner): Promise<void> {
  const payload = parsePayload(PushPayload, context.payload, "push");
  if (payload.deleted || !payload.ref.startsWith("refs/heads/")) return;
  const ref = context.repo();
  const branch = payload.ref.slice("refs/heads/".length);
  if (await headsOpenPullRequest(context.octokit, ref, branch, payload.repository.default_branch)) return;
  const headSha = payload.after;
  const baseSha = ZERO_SHA.test(payload.before) ? null : payload.before;

  const fromPayload =
    baseSha !== null && !payload.forced && payload.commits.length < MAX_PUSH_PAYLOAD_COMMITS;
  const changes = (): Promise<Changes> =>
    fromPayload
      ? Promise.resolve({ files: changedFromCommits(payload.commits), complete: true })
      : // A forced push, a truncated payload or a new branch: ask GitHub what differs from the base (or default branch).
        new RepoSource(context.octokit, ref).compare(baseSha ?? payload.repository.default_branch, headSha);
  await checkCommit(
    context,
    ref,
    {
      headSha,
      baseSha,
      changes,
      repoUrl: payload.repository.html_url,
      branch,
      defaultBranch: payload.repository.default_branch,
    },
    scanner,
  );
}

function changedFromCommits(commits: readonly PushCommit[]): ChangedFile[] {
  const status = new Map<string, ChangedFile["status"]>();
  for (const commit of commits) {
    for (const path of commit.added ?? []) status.set(path, "added");
    for (const path of commit.modified ?? []) if (status.get(path) !== "added") status.set(path, "modified");
    for (const path of commit.removed ?? []) status.set(path, "removed");
  }
  return [...status].map(([path, s]) => ({ path, status: s }));
}

async function headsOpenPullRequest(
  octokit: Context["octokit"],
  ref: RepoRef,
  branch: string,
  defaultBranch: string,
): Promise<boolean> {
  if (branch === defaultBranch || branch.startsWith(FIX_BRANCH_PREFIX)) return false;
  return (await new FixBranchWriter(octokit, ref).openPullRequest(branch)) !== null;
}
