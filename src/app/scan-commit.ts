import picomatch from "picomatch";
import type { ProbotOctokit } from "probot";
import type { Config } from "../config/schema.js";
import { isManifestPath } from "../engine/manifest-path.js";
import { patchFilesOfKustomizations } from "../engine/argocd/kustomize-patches.js";
import { scanRepository } from "../engine/scan.js";
import type { RepoFile, ScanResult } from "../engine/types.js";
import { RepoSource, type ChangedFile, type RepoRef } from "../github/repo-source.js";

type Octokit = InstanceType<typeof ProbotOctokit>;

const KUSTOMIZATION = /(^|\/)(kustomization\.ya?ml|Kustomization)$/;
/** Where Argo CD Applications usually live, judged by path (their content is not read until needed). */
const APPLICATION_PATH_HINT = /(^|\/)[^/]*(argo|application|appset|app-of-apps)[^/]*(\/|$)/i;

export interface CommitScan {
  result: ScanResult;
  changedManifests: string[];
  diffAware: boolean;
}

/** The all-zero sha GitHub sends for "no commit" (a new or deleted branch). */
export const ZERO_SHA = /^0+$/;

export const isManifest = isManifestPath;

/**
 * Scans the changed manifests of a commit. Reads are bounded: one tree per commit, then the blobs of the changed
 * manifests, of the files that may hold Argo CD Applications (by path, or the `applications` config), of the
 * kustomization files and of the patch files they name; never one read per unchanged manifest.
 */
export async function scanCommit(
  octokit: Octokit,
  ref: RepoRef,
  config: Config,
  commit: { headSha: string; baseSha: string | null; changed: readonly ChangedFile[]; repoUrl: string },
): Promise<CommitScan> {
  const source = new RepoSource(octokit, ref);
  const head = await source.tree(commit.headSha);
  const changedManifests = commit.changed
    .filter((file) => file.status !== "removed" && isManifest(file.path) && head.blobs.has(file.path))
    .map((file) => file.path);
  const isConfiguredApplication = applicationMatcher(config.applications);
  const structural = [...head.blobs.keys()].filter(
    (path) =>
      isManifest(path) &&
      (KUSTOMIZATION.test(path) || APPLICATION_PATH_HINT.test(path) || isConfiguredApplication(path)),
  );
  const files = await source.files(head, [...changedManifests, ...structural]);
  // Patch files that kustomizations name can turn a base Job into a hook: read them too (a second, bounded round).
  const read = new Set(files.map((file) => file.path));
  const patchFiles = patchFilesOfKustomizations(
    files
      .filter((file) => KUSTOMIZATION.test(file.path))
      .map((file) => ({ path: file.path, text: Buffer.from(file.content).toString("utf8") })),
  ).filter((path) => !read.has(path));
  files.push(...(await source.files(head, patchFiles)));
  let baseFiles: RepoFile[] | undefined;
  if (commit.baseSha !== null) {
    const basePaths = commit.changed
      .filter((file) => file.status !== "added")
      .map((file) => file.previousPath ?? file.path)
      .filter(isManifest);
    if (basePaths.length > 0) {
      const base = await source.tree(commit.baseSha);
      baseFiles = await source.files(base, basePaths);
    } else {
      baseFiles = [];
    }
  }
  const result = scanRepository({
    files,
    tree: [...head.blobs.keys()],
    repoUrl: commit.repoUrl,
    config,
    targets: changedManifests,
    ...(baseFiles ? { baseFiles } : {}),
  });
  if (head.truncated) {
    result.notes.push(
      "GitHub truncated the commit's file list (a very large repository): some paths may be missing from the analysis.",
    );
  }
  return { result, changedManifests, diffAware: baseFiles !== undefined };
}

function applicationMatcher(globs: readonly string[]): (path: string) => boolean {
  return globs.length === 0 ? () => false : picomatch([...globs], { dot: true });
}
