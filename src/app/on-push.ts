import type { Context } from "probot";
import { publishCheckRun } from "../github/check-run-publisher.js";
import type { Config } from "../config/schema.js";
import { RepoSource, type ChangedFile, type RepoRef } from "../github/repo-source.js";
import {
  renderConfigErrorReport,
  renderInternalErrorReport,
  renderNoManifestsReport,
  renderScanReport,
} from "../render/check-run.js";
import { MAX_COMPARE_FILES, MAX_PUSH_PAYLOAD_COMMITS } from "../render/github-limits.js";
import { loadRepoConfig } from "./load-config.js";
import { isManifest, scanCommit, ZERO_SHA } from "./scan-commit.js";

interface PushCommit {
  added?: string[];
  modified?: string[];
  removed?: string[];
}

/**
 * A push to a branch: scan the changed manifests, diff-aware against the commit before, and publish one check run
 * on the head commit. Branch deletions and tag pushes are ignored.
 */
export async function onPush(context: Context<"push">): Promise<void> {
  const payload = context.payload;
  if (payload.deleted || !payload.ref.startsWith("refs/heads/")) return;
  const ref = context.repo();
  const headSha = payload.after;
  const baseSha = ZERO_SHA.test(payload.before) ? null : payload.before;
  const source = new RepoSource(context.octokit, ref);

  let changed: ChangedFile[];
  let changedListComplete = true;
  if (baseSha !== null && !payload.forced && payload.commits.length < MAX_PUSH_PAYLOAD_COMMITS) {
    changed = changedFromCommits(payload.commits);
  } else {
    // A forced push, a truncated payload or a new branch: ask GitHub what differs from the base (or default branch).
    const comparison = await source.compare(baseSha ?? payload.repository.default_branch, headSha);
    changed = comparison.files;
    changedListComplete = comparison.complete;
  }

  const loaded = await loadRepoConfig(context);
  if (!changed.some((file) => isManifest(file.path))) {
    if (!loaded.ok || loaded.config.report.checkRunWhenNoManifests) {
      await publishCheckRun(context.octokit, ref, headSha, renderNoManifestsReport());
    }
    return;
  }
  if (!loaded.ok) {
    await publishCheckRun(context.octokit, ref, headSha, renderConfigErrorReport(loaded.file, loaded.errors));
    return;
  }
  if (!loaded.config.report.checkRun) return;
  await scanAndPublish(
    context.octokit,
    ref,
    payload.repository.html_url,
    { headSha, baseSha, changed, changedListComplete },
    loaded.config,
  );
}

/** Scans and publishes; if anything fails, the check run still completes, saying so, and the error is rethrown. */
export async function scanAndPublish(
  octokit: Context["octokit"],
  ref: RepoRef,
  repoUrl: string,
  commit: {
    headSha: string;
    baseSha: string | null;
    changed: readonly ChangedFile[];
    /** False when GitHub's compare cut the list of changed files. */
    changedListComplete: boolean;
  },
  config: Config,
): Promise<void> {
  const { headSha } = commit;
  try {
    const scan = await scanCommit(octokit, ref, config, { ...commit, repoUrl });
    const report = renderScanReport(scan.result, {
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
    await publishCheckRun(octokit, ref, headSha, report);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    await publishCheckRun(octokit, ref, headSha, renderInternalErrorReport(message)).catch(() => undefined);
    throw error;
  }
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
