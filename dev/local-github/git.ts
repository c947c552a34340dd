import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable } from "node:stream";

/** A git command that failed: its stderr, for the 4xx/5xx the API answers. */
export class GitError extends Error {}

const IDENTITY = {
  GIT_AUTHOR_NAME: "Local GitHub",
  GIT_AUTHOR_EMAIL: "noreply@localhost",
  GIT_COMMITTER_NAME: "Local GitHub",
  GIT_COMMITTER_EMAIL: "noreply@localhost",
};

export interface TreeEntry {
  mode: string;
  type: "blob" | "tree" | "commit";
  sha: string;
  size?: number;
  path: string;
}

export interface DiffFile {
  filename: string;
  status: "added" | "removed" | "modified" | "renamed";
  previous_filename?: string;
}

/**
 * One bare repository on disk, read and written with git's plumbing: what GitHub's REST endpoints do to a
 * repository is done here to a real one, so a wrong tree, a commit on a missing parent or a non-fast-forward
 * update fails as git (and GitHub) would fail it.
 */
export class BareRepository {
  constructor(readonly dir: string) {}

  run(args: readonly string[], options: { input?: Buffer | string; env?: NodeJS.ProcessEnv } = {}) {
    return new Promise<Buffer>((resolve, reject) => {
      const child = spawn("git", ["--git-dir", this.dir, ...args], {
        env: { ...process.env, ...IDENTITY, ...options.env },
        stdio: [options.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
      });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout?.on("data", (chunk: Buffer) => out.push(chunk));
      child.stderr?.on("data", (chunk: Buffer) => err.push(chunk));
      child.on("error", reject);
      child.on("close", (code) => {
        if (code === 0) resolve(Buffer.concat(out));
        else reject(new GitError(Buffer.concat(err).toString().trim() || `git ${args[0]} exited ${code}`));
      });
      if (options.input !== undefined) {
        // A command that exits before reading all of its input closes the pipe: its exit code tells.
        child.stdin?.on("error", () => undefined);
        child.stdin?.end(options.input);
      }
    });
  }

  async text(args: readonly string[], options: { input?: Buffer | string; env?: NodeJS.ProcessEnv } = {}) {
    return (await this.run(args, options)).toString("utf8").trim();
  }

  /** The object a name (sha, branch, `heads/x`, `refs/heads/x`) names, peeled to `kind`, or null. */
  async resolve(name: string, kind: "commit" | "tree" | "blob" = "commit"): Promise<string | null> {
    if (name.startsWith("-")) return null;
    const candidates = name.startsWith("refs/") ? [name] : [name, `refs/${name}`, `refs/heads/${name}`];
    for (const candidate of candidates) {
      try {
        return await this.text(["rev-parse", "--verify", "--quiet", `${candidate}^{${kind}}`]);
      } catch {
        // Try the next spelling.
      }
    }
    return null;
  }

  /** The object at a path of a commit (`sha` and type), or null when the commit has no such path. */
  async pathObject(commit: string, path: string): Promise<{ sha: string; type: string } | null> {
    try {
      const sha = await this.text(["rev-parse", "--verify", "--quiet", `${commit}:${path}`]);
      return { sha, type: (await this.objectType(sha)) ?? "" };
    } catch {
      return null;
    }
  }

  async objectType(sha: string): Promise<string | null> {
    try {
      return await this.text(["cat-file", "-t", sha]);
    } catch {
      return null;
    }
  }

  async refSha(ref: string): Promise<string | null> {
    try {
      return await this.text(["rev-parse", "--verify", "--quiet", ref]);
    } catch {
      return null;
    }
  }

  async branches(): Promise<Map<string, string>> {
    const out = await this.text(["for-each-ref", "--format=%(refname:strip=2) %(objectname)", "refs/heads"]);
    return new Map(
      out
        .split("\n")
        .filter(Boolean)
        .map((line) => {
          const space = line.lastIndexOf(" ");
          return [line.slice(0, space), line.slice(space + 1)] as const;
        }),
    );
  }

  /** A gzipped tar of a commit under one top directory, as GitHub's archive host serves it. */
  archive(commit: string, prefix: string): Readable {
    const child = spawn(
      "git",
      ["--git-dir", this.dir, "archive", "--format=tar.gz", `--prefix=${prefix}/`, commit],
      {
        stdio: ["ignore", "pipe", "ignore"],
      },
    );
    return child.stdout;
  }

  async tree(treeish: string, recursive: boolean): Promise<TreeEntry[]> {
    const out = await this.run(["ls-tree", "-l", "-z", ...(recursive ? ["-r", "-t"] : []), treeish]);
    return out
      .toString("utf8")
      .split("\0")
      .filter(Boolean)
      .map((line) => {
        const tab = line.indexOf("\t");
        const [mode = "", type = "", sha = "", size = "-"] = line.slice(0, tab).split(/\s+/);
        return {
          mode,
          type: type as TreeEntry["type"],
          sha,
          ...(size === "-" ? {} : { size: Number(size) }),
          path: line.slice(tab + 1),
        };
      });
  }

  async blob(sha: string): Promise<Buffer> {
    return this.run(["cat-file", "blob", sha]);
  }

  async commit(sha: string): Promise<{ tree: string; parents: string[]; message: string; author: string }> {
    const raw = (await this.run(["cat-file", "commit", sha])).toString("utf8");
    const blank = raw.indexOf("\n\n");
    const headers = raw.slice(0, blank).split("\n");
    const field = (name: string) =>
      headers.filter((h) => h.startsWith(`${name} `)).map((h) => h.slice(name.length + 1));
    return {
      tree: field("tree")[0] ?? "",
      parents: field("parent"),
      author: field("author")[0] ?? "",
      message: raw.slice(blank + 2),
    };
  }

  async writeBlob(bytes: Buffer): Promise<string> {
    return this.text(["hash-object", "-w", "--stdin"], { input: bytes });
  }

  /**
   * A tree from `base` (or empty) with entries replaced, added or (sha null) removed, built in a throwaway index so
   * that nested paths get their subtrees as git makes them.
   */
  async writeTree(
    base: string | null,
    entries: readonly { path: string; mode: string; sha: string | null }[],
  ): Promise<string> {
    const scratch = mkdtempSync(join(tmpdir(), "local-github-index-"));
    const env = { GIT_INDEX_FILE: join(scratch, "index") };
    try {
      await this.run(base ? ["read-tree", base] : ["read-tree", "--empty"], { env });
      for (const entry of entries) {
        if (entry.sha === null) await this.run(["update-index", "--force-remove", "--", entry.path], { env });
        else
          await this.run(
            ["update-index", "--add", "--cacheinfo", `${entry.mode},${entry.sha},${entry.path}`],
            { env },
          );
      }
      return await this.text(["write-tree"], { env });
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  }

  async writeCommit(
    tree: string,
    parents: readonly string[],
    message: string,
    author: { name: string; email: string },
  ): Promise<string> {
    return this.text(["commit-tree", tree, ...parents.flatMap((p) => ["-p", p])], {
      input: message,
      env: {
        GIT_AUTHOR_NAME: author.name,
        GIT_AUTHOR_EMAIL: author.email,
        GIT_COMMITTER_NAME: author.name,
        GIT_COMMITTER_EMAIL: author.email,
      },
    });
  }

  /** Moves a ref only if it still has `expected` (null: must not exist yet): git's compare-and-swap. */
  async updateRef(ref: string, sha: string, expected: string | null): Promise<void> {
    await this.run(["update-ref", ref, sha, expected ?? ""]);
  }

  async deleteRef(ref: string, expected: string): Promise<void> {
    await this.run(["update-ref", "-d", ref, expected]);
  }

  async isAncestor(ancestor: string, descendant: string): Promise<boolean> {
    try {
      await this.run(["merge-base", "--is-ancestor", ancestor, descendant]);
      return true;
    } catch {
      return false;
    }
  }

  async mergeBase(a: string, b: string): Promise<string | null> {
    try {
      return await this.text(["merge-base", a, b]);
    } catch {
      return null;
    }
  }

  /** Commits reachable from `head` and not from `base`, oldest first. */
  async commitsBetween(base: string, head: string): Promise<string[]> {
    const out = await this.text(["rev-list", "--reverse", `${base}..${head}`]);
    return out.split("\n").filter(Boolean);
  }

  /** What changed from `base` to `head`, renames detected, as the compare API lists it. */
  async diffFiles(base: string, head: string): Promise<DiffFile[]> {
    const out = (await this.run(["diff", "--name-status", "-M", "-z", base, head])).toString("utf8");
    const fields = out.split("\0").filter((f, i, all) => f !== "" || i < all.length - 1);
    const files: DiffFile[] = [];
    for (let i = 0; i < fields.length;) {
      const code = fields[i++] ?? "";
      if (code === "") continue;
      if (code.startsWith("R")) {
        const previous = fields[i++] ?? "";
        files.push({ filename: fields[i++] ?? "", status: "renamed", previous_filename: previous });
        continue;
      }
      const filename = fields[i++] ?? "";
      const status = code === "A" ? "added" : code === "D" ? "removed" : "modified";
      files.push({ filename, status });
    }
    return files;
  }

  /** The unified diff of one file (three lines of context, as GitHub shows a pull request). */
  async patch(base: string, head: string, path: string, previousPath?: string): Promise<string> {
    const out = await this.run([
      "diff",
      "-M",
      "--no-color",
      base,
      head,
      "--",
      ...(previousPath ? [previousPath] : []),
      path,
    ]);
    const text = out.toString("utf8");
    const hunk = text.indexOf("\n@@");
    return hunk === -1 ? "" : text.slice(hunk + 1).replace(/\n$/, "");
  }
}
