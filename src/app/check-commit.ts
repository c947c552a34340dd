import type { Context } from "probot";
import type { Config } from "../config/schema.js";
import { completeCheckRun, publishCheckRun, startCheckRun } from "../github/check-run-publisher.js";
import type { ChangedFile, RepoRef } from "../github/repo-source.js";
import {
  renderConfigErrorReport,
  renderGitHubUnavailableReport,
  renderInternalErrorReport,
  renderNoManifestsReport,
  renderScanReport,
  type CheckRunReport,
} from "../render/check-run.js";
import { MAX_COMPARE_FILES } from "../render/github-limits.js";
import { loadRepoConfig } from "./load-config.js";
import { isManifest, scanCommit } from "./scan-commit.js";
import type { Scanner } from "./scanner.js";

type Octokit = Context["octokit"];

/** A commit to check, as a handler learnt it from its event. */
export interface CommitToCheck {
  headSha: string;
  baseSha: string | null;
  changed: readonly ChangedFile[];
  /** False when GitHub's compare cut the list of changed files. */
  changedListComplete: boolean;
  repoUrl: string;
}

/**
 * The one flow behind every event that checks a commit: read the configuration, then publish exactly one check run
 * on the commit. `rerun` is a person asking again: they get a check run even where a push would stay quiet.
 */
export async function checkCommit(
  context: { octokit: Octokit; config: Context["config"] },
  ref: RepoRef,
  commit: CommitToCheck,
  scanner: Scanner,
  rerun: boolean,
): Promise<void> {
  const { octokit } = context;
  const loaded = await loadRepoConfig(context);
  if (!loaded.ok && "unavailable" in loaded) {
    await publishCheckRun(octokit, ref, commit.headSha, renderGitHubUnavailableReport(loaded.unavailable));
    return;
  }
  if (rerun && !loaded.ok) {
    await publishCheckRun(octokit, ref, commit.headSha, renderConfigErrorReport(loaded.file, loaded.errors));
    return;
  }
  if (!commit.changed.some((file) => isManifest(file.path))) {
    if (rerun || !loaded.ok || loaded.config.report.checkRunWhenNoManifests)
      await publishCheckRun(octokit, ref, commit.headSha, renderNoManifestsReport());
    return;
  }
  if (!loaded.ok) {
    await publishCheckRun(octokit, ref, commit.headSha, renderConfigErrorReport(loaded.file, loaded.errors));
    return;
  }
  if (!rerun && !loaded.config.report.checkRun) return;
  await scanAndPublish(octokit, ref, commit, loaded.config, scanner);
}

/**
 * Starts the check run, scans, and completes it with what happened: the report, or the error that stopped the
 * scan (then rethrown, so the delivery is logged as failed).
 */
async function scanAndPublish(
  octokit: Octokit,
  ref: RepoRef,
  commit: CommitToCheck,
  config: Config,
  scanner: Scanner,
): Promise<void> {
  const checkRunId = await startCheckRun(octokit, ref, commit.headSha);
  let report: CheckRunReport;
  try {
    const scan = await scanCommit(octokit, ref, config, commit, scanner);
    report = renderScanReport(scan.result, {
      conclusionOnWarnings: config.report.conclusionOnWarnings,
      changedManifests: scan.changedManifests,
      diffAware: scan.diffAware,
      readNotes: commit.changedListComplete
        ? scan.readNotes
        : [
            `GitHub's compare lists at most ${MAX_COMPARE_FILES} changed files and this commit changes more: only the manifests among those were scanned.`,
            ...scan.readNotes,
          ],
    });
  } catch (error) {
    await completeWithError(octokit, ref, checkRunId, error);
    throw error;
  }
  try {
    await completeCheckRun(octokit, ref, checkRunId, report);
  } catch (error) {
    // A report GitHub refuses must not leave the check run spinning for ever.
    await completeWithError(octokit, ref, checkRunId, error);
    throw error;
  }
}

async function completeWithError(octokit: Octokit, ref: RepoRef, checkRunId: number, error: unknown) {
  const message = error instanceof Error ? error.message : String(error);
  await completeCheckRun(octokit, ref, checkRunId, renderInternalErrorReport(message)).catch(() => undefined);
}
