import { execFile } from "node:child_process";
import { lstat, readdir, readFile, realpath } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { promisify } from "node:util";
import { isManifestPath, SKIPPED_DIRECTORIES } from "../engine/manifest-path.js";
import {
  SYMLINK_SKIP_REASON,
  type RepoFile,
  type RepositorySnapshot,
  type SkippedFile,
} from "../engine/types.js";

const execFileAsync = promisify(execFile);

/** Files read at once: enough to hide the latency of each read, few enough to stay far from the fd limit. */
const READ_CONCURRENCY = 32;

/** Reads a checkout: every path (forward slashes, relative to root) and the bytes of YAML/JSON/template files. */
export async function readRepository(root: string): Promise<RepositorySnapshot> {
  const tree: string[] = [];
  const toRead: string[] = [];
  const unread: SkippedFile[] = [];
  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true });
    for (const entry of entries) {
      const absolute = join(dir, entry.name);
      const path = relative(root, absolute).split(sep).join("/");
      // Symlinks are not followed: a link to a parent directory would loop, one outside the repo would leak.
      if (entry.isSymbolicLink()) {
        if (isManifestPath(path)) unread.push({ file: path, reason: SYMLINK_SKIP_REASON });
        continue;
      }
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRECTORIES.has(entry.name)) await walk(absolute);
        continue;
      }
      if (!entry.isFile()) continue;
      tree.push(path);
      // Only manifests are read; every other path is listed (directory and kustomize resolution need it).
      if (isManifestPath(path)) toRead.push(path);
    }
  };
  const stats = await lstat(root);
  if (!stats.isDirectory()) throw new Error(`${root} is not a directory`);
  await walk(root);
  tree.sort();
  toRead.sort();
  const files: RepoFile[] = [];
  for (let i = 0; i < toRead.length; i += READ_CONCURRENCY) {
    const batch = toRead.slice(i, i + READ_CONCURRENCY);
    const contents = await Promise.all(batch.map((path) => readFile(join(root, path))));
    batch.forEach((path, j) => files.push({ path, content: contents[j] ?? new Uint8Array() }));
  }
  return { tree, files, unread: unread.sort((a, b) => a.file.localeCompare(b.file)) };
}

/**
 * The `origin` remote of a git checkout whose top level is `root`, or null. A directory inside some other
 * repository (a bundled example, a vendored folder) is not that repository: its Applications name their own URL.
 */
export async function gitOriginUrl(root: string): Promise<string | null> {
  try {
    const { stdout: topLevel } = await execFileAsync("git", ["-C", root, "rev-parse", "--show-toplevel"]);
    if ((await realpath(topLevel.trim())) !== (await realpath(root))) return null;
    const { stdout } = await execFileAsync("git", ["-C", root, "config", "--get", "remote.origin.url"]);
    const url = stdout.trim();
    return url === "" ? null : url;
  } catch {
    return null;
  }
}
