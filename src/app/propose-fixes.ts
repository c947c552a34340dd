import type { Config } from "../config/schema.js";
import type { RepositorySnapshot } from "../engine/types.js";
import { FixBranchWriter, fixBranchFor, type OpenPullRequest } from "../github/fix-branch.js";
import { readFixPullRequestRecord, renderFixPullRequest } from "../render/fix-pull-request.js";
import type { Scanner } from "./scanner.js";

/** GitHub refuses changes under .github/workflows/ to apps without the workflows permission. */
const WORKFLOWS = /^\.github\/workflows\//;

export interface FixProposal {
  writer: FixBranchWriter;
  baseBranch: string;
  /** The commit the fixes are made on: the branch's head, as read into `snapshot`. */
  baseSha: string;
  snapshot: RepositorySnapshot;
  repoUrl: string;
  config: Config;
  scanner: Scanner;
  /** Who asked, for the answer ("opened by @alice"); null when a push did it. */
  requestedBy: string | null;
  /** The open fix PR when the caller has looked it up already. */
  existing?: OpenPullRequest | null;
}

/**
 * Makes the fix pull request of a branch say what `scan --fix` gives on its head: opens it, updates it when the
 * fixes changed, leaves it alone when they did not, closes it (and deletes its branch) when nothing is left to fix,
 * and never rewrites a branch someone else pushed to. Returns one line saying what happened.
 */
export async function proposeFixes(proposal: FixProposal): Promise<string> {
  const { writer, baseBranch, baseSha, requestedBy } = proposal;
  const { fixes } = await proposal.scanner.fix({
    ...proposal.snapshot,
    repoUrl: proposal.repoUrl,
    config: proposal.config,
  });
  const committable = fixes.filter((fix) => !WORKFLOWS.test(fix.path));
  const notCommitted = fixes.filter((fix) => WORKFLOWS.test(fix.path)).map((fix) => fix.path);
  const fixBranch = fixBranchFor(baseBranch);
  const [existing, branchHead] = await Promise.all([
    proposal.existing !== undefined ? Promise.resolve(proposal.existing) : writer.openPullRequest(fixBranch),
    writer.branchHead(fixBranch),
  ]);
  const ours =
    branchHead === null ||
    (existing !== null && readFixPullRequestRecord(existing.body)?.head === branchHead);
  if (existing && !ours) {
    return `Someone else has pushed to \`${fixBranch}\`: the app no longer rewrites it. Close or merge #${existing.number} to get a new fix pull request.`;
  }
  if (committable.length === 0) {
    if (existing) {
      await writer.closeAsFixed(
        existing,
        fixBranch,
        `Nothing is left to fix on \`${baseBranch}\` at ${baseSha.slice(0, 7)}: closing, and deleting \`${fixBranch}\`.`,
      );
      return `Nothing is left to fix on \`${baseBranch}\`: fix pull request #${existing.number} closed.`;
    }
    return notCommitted.length > 0
      ? `The only safe fixes left on \`${baseBranch}\` are in workflow files, which apps may not change: apply their diffs by hand.`
      : `No safe fix is left on \`${baseBranch}\` at ${baseSha.slice(0, 7)}: nothing to open.`;
  }
  const tree = await writer.treeWith(
    baseSha,
    committable.map((fix) => ({ path: fix.path, text: fix.after })),
  );
  if (existing && branchHead !== null) {
    const current = await writer.commit(branchHead);
    if (current.tree === tree && current.parents.length === 1 && current.parents[0] === baseSha)
      return `Fix pull request #${existing.number} is up to date.`;
  }
  const resolved = committable.flatMap((fix) => fix.resolved);
  const jobs = new Set(resolved.map((f) => `${f.file}:${f.namespace ?? ""}/${f.name ?? ""}`)).size;
  const head = await writer.createCommit(
    baseSha,
    tree,
    `Fix ${jobs} Argo CD Job${jobs === 1 ? "" : "s"} that would fail to sync\n\nThe safe fixes of argocd-job-guard on ${baseBranch} at ${baseSha}.`,
  );
  await writer.pointBranch(fixBranch, head, branchHead !== null);
  const text = renderFixPullRequest(resolved, { baseBranch, baseSha, head, notCommitted });
  const pull = await writer.openOrUpdate(fixBranch, baseBranch, text, existing);
  return `Fix pull request #${pull.number} ${existing ? "updated" : "opened"}${requestedBy ? ` by @${requestedBy}` : ""}: ${pull.htmlUrl}`;
}
