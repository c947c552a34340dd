import type { ProbotOctokit } from "probot";
import type { RepoFile, RepositorySnapshot } from "../engine/types.js";
import { BLOB_READ_CONCURRENCY, MAX_COMPARE_FILES } from "../render/github-limits.js";
import { readCommitArchive, type ArchiveLimits } from "./commit-archive.js";
import { statusOf } from "./errors.js";

type Octokit = InstanceType<typeof ProbotOctokit>;

/**
 * How long the archive of a commit may take to arrive, redirect included. Without a bound, a server that accepts the
 * connection and never answers would hold a delivery, and its check run "in progress", forever.
 */
export const ARCHIVE_TIMEOUT_MS = 180_000;

/** The tree API's mode of a symbolic link. */
const SYMLINK_MODE = "120000";

export interface RepoRef {
  owner: string;
  repo: string;
}

export interface CommitTree {
  sha: string;
  /** Blob sha of every regular file, by path. */
  blobs: Map<string, string>;
  /** Paths of the symbolic links (never read: they may point outside the repository). */
  symlinks: string[];
  /** GitHub cut the listing (very large repositories): paths may be missing. */
  truncated: boolean;
}

export interface ChangedFile {
  path: string;
  status: "added" | "modified" | "removed" | "renamed";
  previousPath?: string;
}

/**
 * The only code that reads a repository on GitHub, over REST (so it works on GitHub Enterprise Server): a commit
 * as its archive in one call, single files at a commit, and, as a fallback, a commit's tree and blobs; the compare
 * of two commits.
 */
export class RepoSource {
  constructor(
    private readonly octokit: Octokit,
    private readonly ref: RepoRef,
  ) {}

  /**
   * A commit's files from its archive (`GET /repos/{o}/{r}/tarball/{ref}`, which redirects to the archive host),
   * streamed: only the files `keep` asks for are held, so a large repository never sits in memory whole.
   */
  async archive(
    commitSha: string,
    options: { keep: (path: string) => boolean; limits: ArchiveLimits },
  ): Promise<RepositorySnapshot> {
    const response = await this.octokit.request("GET /repos/{owner}/{repo}/tarball/{ref}", {
      ...this.ref,
      ref: commitSha,
      request: { parseSuccessResponseBody: false, signal: AbortSignal.timeout(ARCHIVE_TIMEOUT_MS) },
    });
    const body = response.data as ReadableStream<Uint8Array> | null;
    if (body === null) throw new Error("GitHub sent an empty archive");
    return readCommitArchive(body, options);
  }

  /**
   * The bytes of one file at a commit (contents API, raw), or null when the commit has no such file. A file over
   * `maxBytes` is returned with its size and no content, as the engine reports it.
   */
  async fileAt(path: string, commitSha: string, maxBytes: number): Promise<RepoFile | null> {
    let response;
    try {
      response = await this.octokit.request("GET /repos/{owner}/{repo}/contents/{path}", {
        ...this.ref,
        path,
        ref: commitSha,
        mediaType: { format: "raw" },
        request: { parseSuccessResponseBody: false },
      });
    } catch (error) {
      if (statusOf(error) === 404) return null;
      throw error;
    }
    const body = response.data as unknown as ReadableStream<Uint8Array> | null;
    const declared = Number(response.headers["content-length"] ?? Number.NaN);
    if (Number.isFinite(declared) && declared > maxBytes) {
      await body?.cancel();
      return { path, content: new Uint8Array(), size: declared };
    }
    const chunks: Uint8Array[] = [];
    let size = 0;
    // Leaving the loop early cancels the download: a file over the limit is never read to its end.
    for await (const chunk of body ?? []) {
      size += chunk.byteLength;
      if (size > maxBytes) break;
      chunks.push(chunk);
    }
    return size > maxBytes
      ? { path, content: new Uint8Array(), size }
      : { path, content: new Uint8Array(Buffer.concat(chunks)) };
  }

  async tree(commitSha: string): Promise<CommitTree> {
    const { data } = await this.octokit.rest.git.getTree({
      ...this.ref,
      tree_sha: commitSha,
      recursive: "true",
    });
    const blobs = new Map<string, string>();
    const symlinks: string[] = [];
    for (const entry of data.tree) {
      if (entry.type !== "blob" || !entry.path || !entry.sha) continue;
      if (entry.mode === SYMLINK_MODE) symlinks.push(entry.path);
      else blobs.set(entry.path, entry.sha);
    }
    return { sha: commitSha, blobs, symlinks, truncated: data.truncated };
  }

  /** Reads the given paths of a tree; a few at a time, to stay clear of GitHub's secondary rate limits. */
  async files(tree: CommitTree, paths: readonly string[]): Promise<RepoFile[]> {
    const wanted = [...new Set(paths)].filter((path) => tree.blobs.has(path)).sort();
    const files: RepoFile[] = [];
    for (let i = 0; i < wanted.length; i += BLOB_READ_CONCURRENCY) {
      const batch = wanted.slice(i, i + BLOB_READ_CONCURRENCY);
      const contents = await Promise.all(
        batch.map(async (path) => {
          const { data } = await this.octokit.rest.git.getBlob({
            ...this.ref,
            file_sha: tree.blobs.get(path) ?? "",
          });
          return Buffer.from(data.content, data.encoding === "base64" ? "base64" : "utf8");
        }),
      );
      batch.forEach((path, j) => files.push({ path, content: new Uint8Array(contents[j] ?? []) }));
    }
    return files;
  }

  /** Files changed between two commits, from the compare API (used when the push payload cannot say). */
  async compare(base: string, head: string): Promise<{ files: ChangedFile[]; complete: boolean }> {
    const { data } = await this.octokit.rest.repos.compareCommitsWithBasehead({
      ...this.ref,
      basehead: `${base}...${head}`,
    });
    const files: ChangedFile[] = (data.files ?? []).map((file) => ({
      path: file.filename,
      status:
        file.status === "removed"
          ? "removed"
          : file.status === "renamed"
            ? "renamed"
            : file.status === "added"
              ? "added"
              : "modified",
      ...(file.previous_filename ? { previousPath: file.previous_filename } : {}),
    }));
    return { files, complete: files.length < MAX_COMPARE_FILES };
  }
}
