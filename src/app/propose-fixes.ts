import type { Config } from "../config/schema.js";
import type { DeclinedFix } from "../engine/scan.js";
import type { Finding, RepositorySnapshot } from "../engine/types.js";
import {
  FixBranchWriter,
  ForceUpdateRefusedError,
  fixBranchFor,
  type FixPullRequest,
} from "../github/fix-branch.js";
import {
  readFixPullRequestRecord,
  renderFixPullRequest,
  renderForeignPushComment,
  renderReplacedComment,
  withFixPullRequestRecord,
} from "../render/fix-pull-request.js";
import { OneAtATime } from "./one-at-a-time.js";
import type { Scanner } from "./scanner.js";

/** GitHub refuses changes under .github/workflows/ to apps without the workflows permission. */
const WORKFLOWS = /^\.github\/workflows\//;

/** A fix a person declined by closing its pull request unmerged. */
export interface DeclinedFixRecord extends DeclinedFix {
  pull: number;
  by: string;
}

/** What the app's past and present pull requests from a fix branch say, read from their hidden records. */
export interface FixHistory {
  open: FixPullRequest | null;
  /** Newest decline first. */
  declined: DeclinedFixRecord[];
  /** Every commit the app recorded pushing to the branch: a branch head outside this set is someone else's. */
  knownHeads: ReadonlySet<string>;
}

export function fixHistoryOf(pulls: readonly FixPullRequest[]): FixHistory {
  const declined: DeclinedFixRecord[] = [];
  const knownHeads = new Set<string>();
  for (const pull of pulls) {
    const record = readFixPullRequestRecord(pull.body);
    if (!record) continue;
    knownHeads.add(record.head);
    if (pull.open || pull.merged || record.declinedBy === undefined) continue;
    for (const fingerprint of record.fingerprints) {
      const objectDigest = record.digests[fingerprint];
      if (objectDigest !== undefined)
        declined.push({ fingerprint, objectDigest, pull: pull.number, by: record.declinedBy });
    }
  }
  return { open: pulls.find((pull) => pull.open) ?? null, declined, knownHeads };
}

/** The declines that still hold for these findings: same finding, Job unchanged. */
export function declinesHolding(findings: readonly Finding[], history: FixHistory): DeclinedFixRecord[] {
  const current = new Set(findings.map((f) => `${f.fingerprint}:${f.objectDigest}`));
  return history.declined.filter((d) => current.has(`${d.fingerprint}:${d.objectDigest}`));
}

/** One line for the check run about fixes that are not proposed because a person declined them. */
export function declinedNote(declines: readonly DeclinedFixRecord[]): string | null {
  if (declines.length === 0) return null;
  const pulls = [...new Map(declines.map((d) => [d.pull, d.by])).entries()]
    .map(([pull, by]) => `#${pull} (closed by @${by})`)
    .join(", ");
  const count = new Set(declines.map((d) => d.fingerprint)).size;
  return `${count === 1 ? "The fix of 1 finding was" : `The fixes of ${count} findings were`} declined in ${pulls}: not proposed again while those Jobs stay as they are. Reopen the pull request to get them back.`;
}

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
  /** The fix branch's pull requests when the caller has read them already. */
  history?: FixHistory;
}

/**
 * Makes the fix pull request of a branch say what `scan --fix` gives on its head, less the fixes a person declined:
 * opens it, updates it when the fixes changed, leaves it alone when they did not, closes it (and deletes its
 * branch) when nothing is left to fix, and never rewrites a branch someone else pushed to. Returns one line saying
 * what happened.
 */
export function proposeFixes(proposal: FixProposal): Promise<string> {
  // A press and a push (or two presses) for one branch at once would each build a commit; one at a time, the second
  // finds the first's pull request up to date. Across replicas, GitHub's 422s make them converge instead.
  const { owner, repo } = proposal.writer.ref;
  return proposalsInProgress.run(`${owner}/${repo}:${proposal.baseBranch}`, () => proposeNow(proposal));
}

const proposalsInProgress = new OneAtATime();

async function proposeNow(proposal: FixProposal): Promise<string> {
  const { writer, baseBranch, baseSha, requestedBy } = proposal;
  const fixBranch = fixBranchFor(baseBranch);
  const readHistory = async () => fixHistoryOf(await writer.fixPullRequests(fixBranch));
  const branchHead = await writer.branchHead(fixBranch);
  let history = proposal.history ?? (await readHistory());
  // The caller's history may predate another delivery's commit on the branch: read again before calling it foreign.
  if (proposal.history && branchHead !== null && !history.knownHeads.has(branchHead))
    history = await readHistory();
  const existing = history.open;
  const { fixes, result } = await proposal.scanner.fix({
    ...proposal.snapshot,
    repoUrl: proposal.repoUrl,
    config: proposal.config,
    declinedFixes: history.declined,
  });
  const committable = fixes.filter((fix) => !WORKFLOWS.test(fix.path));
  const notCommitted = fixes.filter((fix) => WORKFLOWS.test(fix.path)).map((fix) => fix.path);
  const record = existing ? readFixPullRequestRecord(existing.body) : null;
  const ours =
    branchHead === null || (existing ? record?.head === branchHead : history.knownHeads.has(branchHead));
  if (!ours) {
    if (!existing)
      return `\`${fixBranch}\` holds commits argocd-job-guard did not make and has no open pull request: the app leaves it alone. Delete the branch to get a fix pull request.`;
    if (record && record.foreignHead !== branchHead) {
      // Said once per foreign commit: the record remembers it.
      await writer.comment(existing, renderForeignPushComment(branchHead, fixBranch));
      await writer.editBody(
        existing,
        withFixPullRequestRecord(existing.body, { ...record, foreignHead: branchHead }),
      );
    }
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
    if (notCommitted.length > 0)
      return `The only safe fixes left on \`${baseBranch}\` are in workflow files, which apps may not change: apply their diffs by hand.`;
    return (
      declinedNote(declinesHolding(result.findings, history)) ??
      `No safe fix is left on \`${baseBranch}\` at ${baseSha.slice(0, 7)}: nothing to open.`
    );
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
  const text = renderFixPullRequest(resolved, { baseBranch, baseSha, head, notCommitted });
  try {
    await writer.pointBranch(fixBranch, head, branchHead !== null);
  } catch (error) {
    if (!(error instanceof ForceUpdateRefusedError) || branchHead === null) throw error;
    // A ruleset that blocks force pushes still lets the app delete and create its own branch.
    await writer.recreateBranch(fixBranch, head);
    const replacement = await writer.openOrUpdate(fixBranch, baseBranch, text, null);
    if (existing) {
      await writer.comment(existing, renderReplacedComment(replacement.number, fixBranch));
      await writer.close(existing);
    }
    return `Fix pull request #${replacement.number} opened${existing ? ` in place of #${existing.number} (a repository rule refuses to force-update \`${fixBranch}\`)` : ""}${requestedBy ? ` by @${requestedBy}` : ""}: ${replacement.htmlUrl}`;
  }
  const pull = await writer.openOrUpdate(fixBranch, baseBranch, text, existing);
  return `Fix pull request #${pull.number} ${existing ? "updated" : "opened"}${requestedBy ? ` by @${requestedBy}` : ""}: ${pull.htmlUrl}`;
}
