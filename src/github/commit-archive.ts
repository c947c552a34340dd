import { once } from "node:events";
import { performance } from "node:perf_hooks";
import { setImmediate } from "node:timers/promises";
import { Parser, type ReadEntry } from "tar";
import { isInSkippedDirectory } from "../engine/manifest-path.js";
import { SYMLINK_SKIP_REASON, type RepositorySnapshot } from "../engine/types.js";

export interface ArchiveLimits {
  /** The engine's per-file limit: a bigger file is listed with its size, its bytes are never held. */
  maxFileBytes: number;
  /** Entries in the archive; past this the archive is given up (the caller falls back). */
  maxEntries: number;
  /** Bytes of kept files held in memory at once. */
  maxKeptBytes: number;
  /** Bytes of all files streamed through, kept or not: bounds the time a decompression bomb can take. */
  maxUnpackedBytes: number;
}

export const DEFAULT_ARCHIVE_LIMITS: Omit<ArchiveLimits, "maxFileBytes"> = {
  maxEntries: 500_000,
  maxKeptBytes: 256 * 1024 * 1024,
  maxUnpackedBytes: 4 * 1024 * 1024 * 1024,
};

/** Compressed bytes handed to the parser at once: at deflate's worst ratio (about 1:1000) still a few MB of work. */
const WRITE_SLICE_BYTES = 4096;
/** How long reading the archive may hold the event loop before it lets other deliveries run. */
const YIELD_AFTER_MS = 10;

/** The archive could not be read to the end, or broke a limit: nothing of it is used. */
export class ArchiveError extends Error {}

export const ESCAPING_PATH_SKIP_REASON = "the archive entry's path leaves the repository: not read";

const FILE_TYPES = new Set(["File", "OldFile", "ContiguousFile"]);
const LINK_TYPES = new Set(["SymbolicLink", "Link"]);

/**
 * Reads a repository archive as GitHub serves it (`tarball/{ref}`: gzip, one top directory `owner-repo-sha/`)
 * from a stream, keeping in memory only the files `keep` asks for. Symbolic links and paths that leave the root
 * are listed as skipped, never followed or written anywhere.
 * @example await readCommitArchive(response.body, { keep: isManifestPath, limits })
 */
export async function readCommitArchive(
  stream: AsyncIterable<Uint8Array>,
  options: { keep: (path: string) => boolean; limits: ArchiveLimits },
): Promise<RepositorySnapshot> {
  const { keep, limits } = options;
  const snapshot: RepositorySnapshot = { tree: [], files: [], unread: [] };
  const parser = new Parser({ strict: false });
  let failure: Error | null = null;
  const fail = (message: string) => {
    failure ??= new ArchiveError(message);
    parser.abort(failure);
  };
  let entries = 0;
  let kept = 0;
  let unpacked = 0;

  parser.on("warn", (code: string, message: string | Error) => {
    // Per-entry damage is recoverable; an archive whose end cannot be found is not the commit.
    if (code === "TAR_BAD_ARCHIVE" || code === "TAR_ABORT")
      fail(`the archive is damaged: ${typeof message === "string" ? message : message.message}`);
  });
  parser.on("error", (error: Error) => fail(`the archive is damaged: ${error.message}`));
  parser.on("entry", (entry: ReadEntry) => {
    if (failure) return entry.resume();
    if (++entries > limits.maxEntries) {
      entry.resume();
      return fail(`the archive has more than ${limits.maxEntries} entries`);
    }
    unpacked += entry.size;
    if (unpacked > limits.maxUnpackedBytes) {
      entry.resume();
      return fail(`the archive unpacks to more than ${limits.maxUnpackedBytes} bytes`);
    }
    const path = repositoryPath(entry.path);
    if (path === null || isInSkippedDirectory(path)) return entry.resume();
    if (path === ESCAPES) {
      snapshot.unread.push({ file: entry.path, reason: ESCAPING_PATH_SKIP_REASON });
      return entry.resume();
    }
    if (LINK_TYPES.has(entry.type)) {
      if (keep(path)) snapshot.unread.push({ file: path, reason: SYMLINK_SKIP_REASON });
      return entry.resume();
    }
    if (!FILE_TYPES.has(entry.type)) return entry.resume();
    snapshot.tree.push(path);
    if (!keep(path)) return entry.resume();
    if (entry.size > limits.maxFileBytes) {
      snapshot.files.push({ path, content: new Uint8Array(), size: entry.size });
      return entry.resume();
    }
    kept += entry.size;
    if (kept > limits.maxKeptBytes) {
      entry.resume();
      return fail(`the repository holds more than ${limits.maxKeptBytes} bytes of manifests`);
    }
    const chunks: Buffer[] = [];
    entry.on("data", (chunk: Buffer) => chunks.push(chunk));
    entry.on("end", () => snapshot.files.push({ path, content: new Uint8Array(Buffer.concat(chunks)) }));
  });

  const closed = new Promise<void>((resolve) => {
    parser.on("close", resolve);
    parser.on("abort", () => resolve());
  });
  try {
    let lastYield = performance.now();
    for await (const chunk of stream) {
      const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      // The parser inflates and parses synchronously: fed a slice at a time, with a turn of the event loop when
      // the work has held it for a while, so a large archive never stalls the webhook server.
      for (let offset = 0; offset < bytes.length && !failure; offset += WRITE_SLICE_BYTES) {
        if (!parser.write(bytes.subarray(offset, offset + WRITE_SLICE_BYTES)))
          await Promise.race([once(parser, "drain"), closed]);
        if (performance.now() - lastYield > YIELD_AFTER_MS) {
          await setImmediate();
          lastYield = performance.now();
        }
      }
      if (failure) break;
    }
    if (!failure) parser.end();
  } catch (error) {
    fail(`the archive could not be downloaded: ${error instanceof Error ? error.message : String(error)}`);
  }
  await closed;
  if (failure) throw failure as Error;
  snapshot.tree.sort();
  snapshot.unread.sort((a, b) => a.file.localeCompare(b.file));
  snapshot.files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return snapshot;
}

const ESCAPES = "\u0000escapes";

/**
 * The repository path of an archive entry: GitHub puts every entry under one top directory, which is dropped.
 * Null for the top directory itself; ESCAPES for an absolute path or one with `..`.
 */
function repositoryPath(entryPath: string): string | null {
  if (entryPath.startsWith("/") || /^[A-Za-z]:/.test(entryPath)) return ESCAPES;
  const parts = entryPath.split("/");
  if (parts.some((part) => part === "..")) return ESCAPES;
  const inside = parts.slice(1).filter((part) => part !== "" && part !== ".");
  return inside.length === 0 ? null : inside.join("/");
}
