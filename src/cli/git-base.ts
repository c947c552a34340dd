import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { isManifestPath } from "../engine/manifest-path.js";
import type { RepoFile } from "../engine/types.js";

const execFileAsync = promisify(execFile);
const MAX_BUFFER = 64 * 1024 * 1024;

export class GitBaseError extends Error {}

/**
 * The base revision's text of the manifests that differ between `ref` and the working tree under `root`:
 * modified files, deleted ones and the old side of renames (a Job moved between files is matched by name).
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
  const output = await git(["diff", "--name-status", "-z", "-M", "--relative", ref, "--"]);
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
    const content = await git(["show", `${ref}:./${path}`]);
    files.push({ path, content });
  }
  return files;
}
