import type { ProbotOctokit } from "probot";
import type { RepoFile } from "../engine/types.js";
import { BLOB_READ_CONCURRENCY, MAX_COMPARE_FILES } from "../render/github-limits.js";

type Octokit = InstanceType<typeof ProbotOctokit>;

export interface RepoRef {
  owner: string;
  repo: string;
}

export interface CommitTree {
  sha: string;
  /** Blob sha of every file, by path. */
  blobs: Map<string, string>;
  /** GitHub cut the listing (very large repositories): paths may be missing. */
  truncated: boolean;
}

export interface ChangedFile {
  path: string;
  status: "added" | "modified" | "removed" | "renamed";
  previousPath?: string;
}

/**
 * The only code that reads a repository on GitHub, over REST (so it works on GitHub Enterprise Server): a commit's
 * tree in one call, the blobs that are needed, and the compare of two commits.
 */
export class RepoSource {
  constructor(
    private readonly octokit: Octokit,
    private readonly ref: RepoRef,
  ) {}

  async tree(commitSha: string): Promise<CommitTree> {
    const { data } = await this.octokit.rest.git.getTree({
      ...this.ref,
      tree_sha: commitSha,
      recursive: "true",
    });
    const blobs = new Map<string, string>();
    for (const entry of data.tree) {
      if (entry.type === "blob" && entry.path && entry.sha) blobs.set(entry.path, entry.sha);
    }
    return { sha: commitSha, blobs, truncated: data.truncated };
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
