import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { isManifestPath } from "../engine/manifest-path.js";
import type { RepoFile } from "../engine/types.js";

const execFileAsync = promisify(execFile);
const MAX_BUFFER = 64 * 1024 * 1024;

export class GitBaseError extends Error {}

/**
 * The base revision's text of the manifests that differ between the base and the working tree under `root`:
 * modified files, deleted ones and the old side of renames (a Job moved between files is matched by name).
 * The base is the merge base of HEAD and `ref`, as in `git diff ref...HEAD` and a pull request's diff: on a branch,
 * a Job changed only on `ref` since the branch started is not this branch's change. When `ref` is an ancestor of
 * HEAD (HEAD~1, the commit before a push) the merge base is `ref` itself.
 */
export async function readBaseFiles(root: string, ref: string): Promise<RepoFile[]> {
  const git = async (args: string[]) =>
    (await execFileAsync("git", ["-C", root, ...args], { maxBuffer: MAX_BUFFER })).stdout;
  try {
    await git(["rev-parse", "--show-toplevel"]);
  } catch {
    throw new GitBaseError(`--base needs a git repository, and ${root} is not inside one`);
  }
  try {
    await git(["rev-parse", "--verify", "--quiet", `${ref}^{commit}`]);
  } catch {
    throw new GitBaseError(`--base ${ref}: no such commit, branch or tag in ${root}`);
  }
  let base: string;
  try {
    base = (await git(["merge-base", "HEAD", ref])).trim();
  } catch {
    throw new GitBaseError(
      `--base ${ref}: HEAD and ${ref} have no common ancestor in ${root} (in a shallow clone, fetch the history first: git fetch --unshallow, or actions/checkout with fetch-depth: 0)`,
    );
  }
  const output = await git(["diff", "--name-status", "-z", "-M", "--relative", base, "--"]);
  const fields = output.split("\0").filter((field) => field !== "");
  const basePaths: string[] = [];
  for (let i = 0; i < fields.length;) {
    const status = fields[i] ?? "";
    if (status.startsWith("R") || status.startsWith("C")) {
      basePaths.push(fields[i + 1] ?? "");
      i += 3;
    } else {
      if (status !== "A") basePaths.push(fields[i + 1] ?? "");
      i += 2;
    }
  }
  const files: RepoFile[] = [];
  for (const path of basePaths.filter(isManifestPath)) {
    const content = await git(["show", `${base}:./${path}`]);
    files.push({ path, content });
  }
  return files;
}
