import type { ProbotOctokit } from "probot";
import type { Config } from "../config/schema.js";
import { isManifestPath } from "../engine/manifest-path.js";
import type { RepoFile, RepositorySnapshot, ScanResult } from "../engine/types.js";
import { RepoSource, type ChangedFile, type RepoRef } from "../github/repo-source.js";
import { readBaseFiles, readCommit } from "./read-commit.js";
import { inProcessScanner, type Scanner } from "./scanner.js";

type Octokit = InstanceType<typeof ProbotOctokit>;

export interface CommitScan {
  result: ScanResult;
  changedManifests: string[];
  diffAware: boolean;
  /** How the commit was read, when not from its archive as planned (the check run says so). */
  readNotes: string[];
  /** The commit as read: the fix pull request is computed from it without reading it again. */
  snapshot: RepositorySnapshot;
}

/** The all-zero sha GitHub sends for "no commit" (a new or deleted branch). */
export const ZERO_SHA = /^0+$/;

export const isManifest = isManifestPath;

/**
 * Scans a commit as the CLI scans a checkout of it, reporting only on the changed manifests: the whole commit from
 * its archive, and, when there is a commit before, the old text of the changed manifests (diff-aware). The number
 * of calls does not grow with the size of the push or of the repository.
 */
export async function scanCommit(
  octokit: Octokit,
  ref: RepoRef,
  config: Config,
  commit: {
    headSha: string;
    baseSha: string | null;
    changed: readonly ChangedFile[];
    repoUrl: string | null;
  },
  scanner: Scanner = inProcessScanner,
): Promise<CommitScan> {
  const source = new RepoSource(octokit, ref);
  const changedPaths = commit.changed.filter((file) => file.status !== "removed").map((file) => file.path);
  const head = await readCommit(source, commit.headSha, config, changedPaths.filter(isManifest));
  const inTree = new Set(head.snapshot.tree);
  const changedManifests = changedPaths.filter((path) => isManifest(path) && inTree.has(path));
  const notes = [...head.notes];
  let baseFiles: RepoFile[] | undefined;
  if (commit.baseSha !== null) {
    const basePaths = commit.changed
      .filter((file) => file.status !== "added")
      .map((file) => file.previousPath ?? file.path)
      .filter(isManifest);
    const base = await readBaseFiles(source, commit.baseSha, config, basePaths);
    baseFiles = base.files;
    notes.push(...base.notes);
  }
  const result = await scanner({
    ...head.snapshot,
    repoUrl: commit.repoUrl,
    config,
    targets: changedManifests,
    ...(baseFiles ? { baseFiles } : {}),
  });
  return {
    result,
    changedManifests,
    diffAware: baseFiles !== undefined,
    readNotes: notes,
    snapshot: head.snapshot,
  };
}
