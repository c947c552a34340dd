import { randomBytes } from "node:crypto";
import { constants } from "node:fs";
import { open, realpath, rename, unlink, type FileHandle } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { describeError, fileType } from "./safe-fs.js";

const NO_FOLLOW = constants.O_NOFOLLOW ?? 0;
const NO_BLOCK = constants.O_NONBLOCK ?? 0;

export interface FixToWrite {
  /** Repository-relative, forward slashes. */
  path: string;
  after: string;
}

export interface WriteOutcome {
  path: string;
  written: boolean;
  /** Why the file was left as it is, when it was. */
  reason: string | null;
}

/** Called before each file is checked and written: tests change the file there, as an editor would mid-scan. */
export type BeforeWrite = (absolutePath: string) => void | Promise<void>;

class Refused extends Error {}

/**
 * Writes fixed files without ever losing a byte or leaving the repository: a file is replaced only if it still
 * holds exactly the bytes the scan read, is a regular writable file reached through no symbolic link, and the new
 * content goes to a temporary file in the same directory that is renamed over it (readers see the old file or the
 * new one, never half of it; a hard link to the old file keeps the old content). One file failing never stops the
 * others.
 */
export async function writeFixes(
  root: string,
  fixes: readonly FixToWrite[],
  readBytes: ReadonlyMap<string, Uint8Array>,
  beforeWrite?: BeforeWrite,
): Promise<WriteOutcome[]> {
  const realRoot = await realpath(root);
  const outcomes: WriteOutcome[] = [];
  for (const fix of fixes) {
    try {
      await writeOne(root, realRoot, fix, readBytes.get(fix.path), beforeWrite);
      outcomes.push({ path: fix.path, written: true, reason: null });
    } catch (error) {
      const reason = error instanceof Refused ? error.message : `write failed: ${describeError(error)}`;
      outcomes.push({ path: fix.path, written: false, reason });
    }
  }
  return outcomes;
}

async function writeOne(
  root: string,
  realRoot: string,
  fix: FixToWrite,
  expected: Uint8Array | undefined,
  beforeWrite: BeforeWrite | undefined,
): Promise<void> {
  const parts = fix.path.split("/");
  if (expected === undefined) throw new Refused("its content was not read by this scan");
  if (parts.some((part) => part === "" || part === "." || part === ".."))
    throw new Refused("the path leaves the repository");
  const absolute = join(root, ...parts);
  await beforeWrite?.(absolute);

  // The reader follows no link, so a directory on the way that resolves elsewhere was swapped since the scan.
  const directory = dirname(absolute);
  let realDirectory: string;
  try {
    realDirectory = await realpath(directory);
  } catch (error) {
    throw new Refused(`its directory cannot be resolved: ${describeError(error)}`);
  }
  if (realDirectory !== join(realRoot, ...parts.slice(0, -1)))
    throw new Refused("a directory on its path is now a symbolic link: not written through it");

  const mode = await checkUnchanged(absolute, expected, true);
  const data = Buffer.from(fix.after, "utf8");
  const temporary = join(
    directory,
    `.${basename(absolute)}.argocd-job-guard-${randomBytes(6).toString("hex")}`,
  );
  let created = false;
  try {
    const handle = await open(temporary, "wx", mode);
    created = true;
    try {
      await handle.writeFile(data);
      // The process umask may have narrowed the mode given to open.
      await handle.chmod(mode);
      await handle.sync();
    } finally {
      await handle.close();
    }
    // Checked again at the last moment: the window left between this check and the rename is as small as POSIX
    // allows without file locks, which editors do not take.
    await checkUnchanged(absolute, expected, false);
    await rename(temporary, absolute);
    created = false;
  } finally {
    if (created) await unlink(temporary).catch(() => undefined);
  }
}

/** Throws unless `absolute` is a regular file, not a link, that still holds `expected`; returns its mode. */
async function checkUnchanged(absolute: string, expected: Uint8Array, forWrite: boolean): Promise<number> {
  let handle: FileHandle;
  try {
    // Opened for writing so that a file the user may not write is refused, not replaced by the rename.
    handle = await open(absolute, (forWrite ? constants.O_RDWR : constants.O_RDONLY) | NO_FOLLOW | NO_BLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ELOOP") throw new Refused("it is now a symbolic link: not written through it");
    if (code === "EACCES" || code === "EPERM") throw new Refused(`not writable: permission denied (${code})`);
    if (code === "EROFS") throw new Refused("not writable: read-only file system (EROFS)");
    if (code === "ENOENT") throw new Refused("it was removed after it was read");
    if (code === "EISDIR") throw new Refused("it is now a directory");
    throw error;
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw new Refused(`it is now ${fileType(stats)}, not a regular file`);
    // Root may write anything: the mode bits are what says the owner meant the file to be read-only.
    if ((stats.mode & 0o222) === 0)
      throw new Refused(`read-only file (mode ${(stats.mode & 0o7777).toString(8).padStart(4, "0")})`);
    if (stats.size !== expected.byteLength || !(await holds(handle, expected)))
      throw new Refused("it changed after it was read: not overwritten");
    return stats.mode & 0o7777;
  } finally {
    await handle.close();
  }
}

async function holds(handle: FileHandle, expected: Uint8Array): Promise<boolean> {
  const actual = Buffer.alloc(expected.byteLength + 1);
  let total = 0;
  for (;;) {
    const { bytesRead } = await handle.read(actual, total, actual.length - total, total);
    if (bytesRead === 0) break;
    total += bytesRead;
    if (total === actual.length) return false;
  }
  return total === expected.byteLength && Buffer.compare(actual.subarray(0, total), expected) === 0;
}
