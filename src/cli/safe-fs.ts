import { constants, type Stats } from "node:fs";
import { open } from "node:fs/promises";
import { SYMLINK_SKIP_REASON } from "../engine/types.js";

/*
 * O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever; on a regular file it changes
 * nothing. O_NOFOLLOW: a file swapped for a symbolic link after the directory was listed is refused by the kernel,
 * not read through. Both are 0 where the platform lacks them (Windows), which only loses that protection there.
 */
const NO_FOLLOW = constants.O_NOFOLLOW ?? 0;
const NO_BLOCK = constants.O_NONBLOCK ?? 0;

export type ReadOutcome =
  | { ok: true; content: Buffer; stats: Stats }
  | { ok: false; tooLarge: true; size: number; reason: string }
  | { ok: false; tooLarge: false; reason: string; code: string | null };

/**
 * Reads a file only if it is a regular file, at most `maxBytes` of it (one byte more tells that it grew past the
 * limit while being read). The type is checked on the open descriptor, so what is checked is what is read.
 */
export async function readRegularFile(
  path: string,
  options: { maxBytes: number; followSymlinks: boolean },
): Promise<ReadOutcome> {
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | NO_BLOCK | (options.followSymlinks ? 0 : NO_FOLLOW));
  } catch (error) {
    return failure(error);
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile())
      return { ok: false, tooLarge: false, reason: `${fileType(stats)}, not a regular file`, code: null };
    if (stats.size > options.maxBytes) return tooLarge(stats.size);
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.alloc(Math.min(64 * 1024, options.maxBytes + 1 - total));
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) break;
      chunks.push(chunk.subarray(0, bytesRead));
      total += bytesRead;
      if (total > options.maxBytes) return tooLarge(total);
    }
    return { ok: true, content: Buffer.concat(chunks, total), stats };
  } catch (error) {
    return failure(error);
  } finally {
    await handle.close();
  }
}

function failure(error: unknown): ReadOutcome {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return { ok: false, tooLarge: false, reason: describeError(error), code: code ?? null };
}

function tooLarge(size: number): ReadOutcome {
  return { ok: false, tooLarge: true, size, reason: `larger than ${size - 1} bytes` };
}

/** What a file system entry is, in words, for entries that are not regular files. */
export function fileType(stats: Stats): string {
  if (stats.isDirectory()) return "a directory";
  if (stats.isSymbolicLink()) return "a symbolic link";
  if (stats.isFIFO()) return "a named pipe (FIFO)";
  if (stats.isCharacterDevice()) return "a character device";
  if (stats.isBlockDevice()) return "a block device";
  if (stats.isSocket()) return "a socket";
  return "not a regular file";
}

/** A file system error as a reason a user can act on. */
export function describeError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  switch (code) {
    case "EACCES":
    case "EPERM":
      return `permission denied (${code})`;
    case "ELOOP":
      return SYMLINK_SKIP_REASON;
    case "ENOENT":
      return "no such file or directory (ENOENT)";
    case "EROFS":
      return "read-only file system (EROFS)";
    case "ENOSPC":
      return "no space left on device (ENOSPC)";
    default:
      return code === undefined
        ? error instanceof Error
          ? error.message
          : String(error)
        : `cannot be accessed (${code})`;
  }
}
