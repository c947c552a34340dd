import { execFile } from "node:child_process";
import type { Dirent } from "node:fs";
import { lstat, readdir, realpath } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { isManifestPath, SKIPPED_DIRECTORIES } from "../engine/manifest-path.js";
import {
  SYMLINK_SKIP_REASON,
  type RepoFile,
  type RepositorySnapshot,
  type SkippedFile,
} from "../engine/types.js";
import { describeError, readRegularFile } from "./safe-fs.js";

const execFileAsync = promisify(execFile);

/** Files read at once: enough to hide the latency of each read, few enough to stay far from the fd limit. */
const READ_CONCURRENCY = 32;

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });
const lossyUtf8 = new TextDecoder("utf-8");

export interface ReadRepositoryOptions {
  /** Files over this size are not read; they are handed on with their size, for the engine to report. */
  maxFileBytes?: number;
}

/**
 * Reads a checkout: every path (forward slashes, relative to root) and the bytes of YAML/JSON/template files.
 * One bad entry (unreadable, a FIFO or device, a symbolic link, a name that is not UTF-8) is listed in `unread`
 * with the reason, and the rest is read: only the root itself being unreadable is an error.
 */
export async function readRepository(
  root: string,
  options: ReadRepositoryOptions = {},
): Promise<RepositorySnapshot> {
  const maxBytes = options.maxFileBytes ?? Number.MAX_SAFE_INTEGER;
  const tree: string[] = [];
  const toRead: string[] = [];
  const unread: SkippedFile[] = [];
  const walk = async (dir: string, relativeDir: string): Promise<void> => {
    let entries: Dirent<Buffer>[];
    try {
      // Names as bytes: a name that is not UTF-8 would otherwise come back mangled and name no file at all.
      entries = await readdir(dir, { withFileTypes: true, encoding: "buffer" });
    } catch (error) {
      if (relativeDir === "") throw error;
      unread.push({ file: relativeDir, reason: `directory not read: ${describeError(error)}` });
      return;
    }
    for (const entry of entries) {
      let name: string;
      try {
        name = strictUtf8.decode(entry.name);
      } catch {
        const shown = `${relativeDir === "" ? "" : `${relativeDir}/`}${lossyUtf8.decode(entry.name)}`;
        if (entry.isDirectory() || isManifestPath(shown))
          unread.push({ file: shown, reason: "name is not valid UTF-8: not read" });
        continue;
      }
      const absolute = join(dir, name);
      const path = relativeDir === "" ? name : `${relativeDir}/${name}`;
      // Symlinks are not followed: a link to a parent directory would loop, one outside the repo would leak.
      if (entry.isSymbolicLink()) {
        if (isManifestPath(path)) unread.push({ file: path, reason: SYMLINK_SKIP_REASON });
        continue;
      }
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRECTORIES.has(name)) await walk(absolute, path);
        continue;
      }
      if (!entry.isFile()) {
        // Never opened: reading a FIFO blocks until something writes to it, a device may never end.
        if (isManifestPath(path))
          unread.push({ file: path, reason: `${entryType(entry)}, not a regular file: not read` });
        continue;
      }
      tree.push(path);
      // Only manifests are read; every other path is listed (directory and kustomize resolution need it).
      if (isManifestPath(path)) toRead.push(path);
    }
  };
  const stats = await lstat(root);
  if (!stats.isDirectory()) throw new Error(`${root} is not a directory`);
  await walk(root, "");
  tree.sort();
  toRead.sort();
  const files: RepoFile[] = [];
  for (let i = 0; i < toRead.length; i += READ_CONCURRENCY) {
    const batch = toRead.slice(i, i + READ_CONCURRENCY);
    const outcomes = await Promise.all(
      batch.map((path) => readRegularFile(join(root, path), { maxBytes, followSymlinks: false })),
    );
    batch.forEach((path, j) => {
      const outcome = outcomes[j];
      if (outcome?.ok) files.push({ path, content: outcome.content });
      else if (outcome?.tooLarge) files.push({ path, content: new Uint8Array(), size: outcome.size });
      else unread.push({ file: path, reason: `not read: ${outcome?.reason ?? "unknown error"}` });
    });
  }
  return { tree, files, unread: unread.sort((a, b) => a.file.localeCompare(b.file)) };
}

function entryType(entry: Dirent<Buffer>): string {
  if (entry.isFIFO()) return "a named pipe (FIFO)";
  if (entry.isCharacterDevice()) return "a character device";
  if (entry.isBlockDevice()) return "a block device";
  if (entry.isSocket()) return "a socket";
  return "not a regular file";
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
