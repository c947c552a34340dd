import type { Config } from "../config/schema.js";
import { patchFilesOfKustomizations } from "../engine/argocd/kustomize-patches.js";
import { configGlobTest } from "../engine/glob.js";
import { isInSkippedDirectory, isManifestPath } from "../engine/manifest-path.js";
import { describeGitHubError } from "../github/errors.js";
import { SYMLINK_SKIP_REASON, type RepoFile, type RepositorySnapshot } from "../engine/types.js";
import { DEFAULT_ARCHIVE_LIMITS, type ArchiveLimits } from "../github/commit-archive.js";
import type { RepoSource } from "../github/repo-source.js";

/**
 * Past this many manifests, a commit whose archive failed is not read blob by blob in full: one call per file
 * would spend an installation's hourly budget on a few pushes.
 */
export const FALLBACK_MAX_BLOBS = 100;

/** Up to this many base files are read one by one (one call each); more, and the base archive is one call. */
export const BASE_FILES_READ_ONE_BY_ONE = 3;

const KUSTOMIZATION = /(^|\/)kustomization\.ya?ml$/;
/** Where Argo CD Applications usually live, judged by path: used only when the archive cannot be read. */
const APPLICATION_PATH_HINT = /(^|\/)[^/]*(argo|application|appset|app-of-apps)[^/]*(\/|$)/i;

export interface ReadCommit {
  snapshot: RepositorySnapshot;
  /** What the check run must say about how the commit was read (a fallback, a truncated listing). */
  notes: string[];
}

function archiveLimits(config: Config): ArchiveLimits {
  return { ...DEFAULT_ARCHIVE_LIMITS, maxFileBytes: config.limits.maxFileBytes };
}

/**
 * A commit as the CLI reads a checkout: every path, and the bytes of every manifest, from the repository archive
 * (one call, streamed). When the archive cannot be read, the commit is read from its tree and blobs instead, in
 * full for a small repository, otherwise only the files that matter most (`changed`, kustomizations, the files
 * that may hold Applications), and the notes say so.
 */
export async function readCommit(
  source: RepoSource,
  sha: string,
  config: Config,
  changed: readonly string[],
): Promise<ReadCommit> {
  try {
    const snapshot = await source.archive(sha, { keep: isManifestPath, limits: archiveLimits(config) });
    return { snapshot, notes: [] };
  } catch (error) {
    return readCommitFileByFile(source, sha, config, changed, describeGitHubError(error));
  }
}

async function readCommitFileByFile(
  source: RepoSource,
  sha: string,
  config: Config,
  changed: readonly string[],
  archiveProblem: string,
): Promise<ReadCommit> {
  const tree = await source.tree(sha);
  const paths = [...tree.blobs.keys()].filter((path) => !isInSkippedDirectory(path));
  const manifests = paths.filter(isManifestPath);
  const notes = [
    `The repository archive could not be read (${archiveProblem}); the commit was read file by file.`,
  ];
  let files: RepoFile[];
  if (manifests.length <= FALLBACK_MAX_BLOBS) {
    files = await source.files(tree, manifests);
  } else {
    const isConfiguredApplication = configGlobTest(config.applications);
    const structural = manifests.filter(
      (path) => KUSTOMIZATION.test(path) || APPLICATION_PATH_HINT.test(path) || isConfiguredApplication(path),
    );
    files = await source.files(tree, [...changed, ...structural]);
    // Patch files that kustomizations name can turn a base Job into a hook: read them too.
    const read = new Set(files.map((file) => file.path));
    const patchFiles = patchFilesOfKustomizations(
      files
        .filter((file) => KUSTOMIZATION.test(file.path))
        .map((file) => ({ path: file.path, text: Buffer.from(file.content).toString("utf8") })),
    ).filter((path) => !read.has(path));
    files.push(...(await source.files(tree, patchFiles)));
    notes.push(
      `Of its ${manifests.length} manifests, only the changed ones, the kustomizations and the files that may hold Argo CD Applications (by path, or the \`applications\` option) were read: findings may differ from the CLI's on a checkout.`,
    );
  }
  if (tree.truncated) {
    notes.push(
      "GitHub truncated the commit's file list (a very large repository): some paths may be missing from the analysis.",
    );
  }
  const unread = tree.symlinks
    .filter(isManifestPath)
    .map((path) => ({ file: path, reason: SYMLINK_SKIP_REASON }));
  return { snapshot: { tree: paths.sort(), files, unread }, notes };
}

/**
 * The base revision's text of the given manifests (the old side of a diff-aware scan): one by one when they are
 * few, otherwise from the base commit's archive, keeping only them.
 */
export async function readBaseFiles(
  source: RepoSource,
  sha: string,
  config: Config,
  paths: readonly string[],
): Promise<{ files: RepoFile[]; notes: string[] }> {
  const wanted = [...new Set(paths)].sort();
  if (wanted.length === 0) return { files: [], notes: [] };
  if (wanted.length <= BASE_FILES_READ_ONE_BY_ONE) {
    const files = await Promise.all(
      wanted.map((path) => source.fileAt(path, sha, config.limits.maxFileBytes)),
    );
    return { files: files.filter((file) => file !== null), notes: [] };
  }
  const keep = new Set(wanted);
  try {
    const snapshot = await source.archive(sha, {
      keep: (path) => keep.has(path),
      limits: archiveLimits(config),
    });
    return { files: snapshot.files, notes: [] };
  } catch (error) {
    const tree = await source.tree(sha);
    return {
      files: await source.files(tree, wanted),
      notes: [
        `The archive of the commit before could not be read (${describeGitHubError(error)}); its ${wanted.length} changed manifests were read file by file.`,
      ],
    };
  }
}
