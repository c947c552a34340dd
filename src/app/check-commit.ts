import type { Context } from "probot";
import type { Config } from "../config/schema.js";
import { completeCheckRun, publishCheckRun, startCheckRun } from "../github/check-run-publisher.js";
import { FIX_BRANCH_PREFIX, FixBranchWriter, fixBranchFor } from "../github/fix-branch.js";
import type { ChangedFile, RepoRef } from "../github/repo-source.js";
import {
  renderConfigErrorReport,
  renderGitHubUnavailableReport,
  renderInternalErrorReport,
  renderNoManifestsReport,
  renderScanReport,
} from "../render/check-run.js";
import { MAX_COMPARE_FILES } from "../render/github-limits.js";
import { loadRepoConfig } from "./load-config.js";
import { FIX_PR_ACTION, UPDATE_FIX_PR_ACTION } from "./on-fix-requested.js";
import {
  declinedNote,
  declinesHolding,
  fixHistoryOf,
  proposeFixes,
  type FixHistory,
} from "./propose-fixes.js";
import { isManifest, scanCommit, type CommitScan } from "./scan-commit.js";
import type { Scanner } from "./scanner.js";

type Octokit = Context["octokit"];

/** The changed files of a commit, and whether GitHub listed them all. */
export interface Changes {
  files: readonly ChangedFile[];
  /** False when GitHub's compare cut the list of changed files. */
  complete: boolean;
}

/** A commit to check, as a handler learnt it from its event. */
export interface CommitToCheck {
  headSha: string;
  baseSha: string | null;
  /** What changed: from the push payload, or asked of GitHub (inside the flow, so a failure is reported). */
  changes: () => Promise<Changes>;
  repoUrl: string;
  /** The pushed branch, whose fix pull request a push keeps up to date; null for a re-run. */
  branch: string | null;
  defaultBranch: string;
}

/**
 * The one use case behind every event that checks a commit (a push, a re-run): read the configuration and the
 * changes, then publish at most one check run on the commit, as the `report.*` options say. Whatever fails after
 * the configuration is read, the check run is completed and says what happened, and the error is rethrown so the
 * delivery is logged as failed.
 */
export async function checkCommit(
  context: { octokit: Octokit; config: Context["config"] },
  ref: RepoRef,
  commit: CommitToCheck,
  scanner: Scanner,
): Promise<void> {
  const { octokit } = context;
  const loaded = await loadRepoConfig(context);
  if (!loaded.ok && "unavailable" in loaded) {
    await publishCheckRun(octokit, ref, commit.headSha, renderGitHubUnavailableReport(loaded.unavailable));
    return;
  }
  if (loaded.ok && !loaded.config.report.checkRun) return;
  let checkRunId: number | null = null;
  let scanned: {
    config: Config;
    scan: CommitScan;
    history: FixHistory | null;
    fixToPropose: boolean;
  } | null = null;
  try {
    const changes = await commit.changes();
    if (!changes.files.some((file) => isManifest(file.path))) {
      if (!loaded.ok || loaded.config.report.checkRunWhenNoManifests)
        await publishCheckRun(octokit, ref, commit.headSha, renderNoManifestsReport());
      return;
    }
    if (!loaded.ok) {
      await publishCheckRun(
        octokit,
        ref,
        commit.headSha,
        renderConfigErrorReport(loaded.file, loaded.errors),
      );
      return;
    }
    const { config } = loaded;
    checkRunId = await startCheckRun(octokit, ref, commit.headSha);
    const scan = await scanCommit(
      octokit,
      ref,
      config,
      { headSha: commit.headSha, baseSha: commit.baseSha, changed: changes.files, repoUrl: commit.repoUrl },
      scanner,
    );
    const history = await fixHistoryFor(octokit, ref, commit.branch, config);
    const declines = history ? declinesHolding(scan.result.findings, history) : [];
    const declined = new Set(declines.map((d) => d.fingerprint));
    const declinedSaid = declinedNote(declines);
    const report = renderScanReport(scan.result, {
      conclusionOnWarnings: config.report.conclusionOnWarnings,
      changedManifests: scan.changedManifests,
      diffAware: scan.diffAware,
      readNotes: changes.complete
        ? scan.readNotes
        : [
            `GitHub's compare lists at most ${MAX_COMPARE_FILES} changed files and this commit changes more: only the manifests among those were scanned.`,
            ...scan.readNotes,
          ],
      fixNotes: declinedSaid ? [declinedSaid] : [],
    });
    // The button commits every safe fix of the branch, so it is offered whenever this commit has one not declined.
    const fixToPropose = scan.result.findings.some(
      (f) => f.fix?.kind === "safe" && !declined.has(f.fingerprint),
    );
    const offerFix = config.report.fixPullRequest !== "off" && fixToPropose;
    const action = history?.open ? UPDATE_FIX_PR_ACTION : FIX_PR_ACTION;
    await completeCheckRun(octokit, ref, checkRunId, report, offerFix ? [action] : []);
    scanned = { config, scan, history, fixToPropose };
  } catch (error) {
    // The check run must never be left missing or spinning: the error itself is the report.
    const report = renderInternalErrorReport(error instanceof Error ? error.message : String(error));
    const id = checkRunId;
    await (
      id === null
        ? publishCheckRun(octokit, ref, commit.headSha, report)
        : completeCheckRun(octokit, ref, id, report)
    ).catch(() => undefined);
    throw error;
  }
  const branch = commit.branch;
  if (scanned?.history && branch !== null) {
    const { config, scan, history, fixToPropose } = scanned;
    await keepFixPullRequest(
      octokit,
      ref,
      { ...commit, branch },
      config,
      scan,
      history,
      fixToPropose,
      scanner,
    );
  }
}

/**
 * The pull requests of the pushed branch's fix branch (one call), read before the check run completes so that its
 * button says "Update" when one is open and leaves out declined fixes; null when no fix PR can follow this push.
 */
async function fixHistoryFor(
  octokit: Octokit,
  ref: RepoRef,
  branch: string | null,
  config: Config,
): Promise<FixHistory | null> {
  if (branch === null || branch.startsWith(FIX_BRANCH_PREFIX) || config.report.fixPullRequest === "off")
    return null;
  return fixHistoryOf(await new FixBranchWriter(octokit, ref).fixPullRequests(fixBranchFor(branch)));
}

/**
 * After a push, the branch's fix pull request follows the branch: updated when the fixes changed, closed when
 * nothing is left. With `report.fixPullRequest: auto`, a push to the default branch with safe fixes opens it
 * without a press. One lookup per push; the commit already read is the one fixed.
 */
async function keepFixPullRequest(
  octokit: Octokit,
  ref: RepoRef,
  commit: CommitToCheck & { branch: string },
  config: Config,
  scan: CommitScan,
  history: FixHistory,
  /** Whether the scan found a safe fix nobody declined (what the check run's button was offered for). */
  fixToPropose: boolean,
  scanner: Scanner,
): Promise<void> {
  const auto =
    config.report.fixPullRequest === "auto" && commit.branch === commit.defaultBranch && fixToPropose;
  if (!history.open && !auto) return;
  await proposeFixes({
    writer: new FixBranchWriter(octokit, ref),
    baseBranch: commit.branch,
    baseSha: commit.headSha,
    snapshot: scan.snapshot,
    repoUrl: commit.repoUrl,
    config,
    scanner,
    requestedBy: null,
    history,
  });
}
