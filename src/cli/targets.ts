import { lstat, realpath, stat } from "node:fs/promises";
import { dirname, isAbsolute, parse, relative, resolve, sep } from "node:path";

/** What one PATH argument scans. */
export interface ScanTarget {
  /** The PATH as the user wrote it. */
  given: string;
  /** The repository root read: the PATH itself, or for a file the top of its git checkout, else its directory. */
  root: string;
  /** For a file PATH, its path relative to `root` (forward slashes): the only file reported on. */
  file: string | null;
}

/** A PATH that cannot be scanned: said in the user's words, not as an errno and a stack. */
export class TargetError extends Error {}

export async function resolveTarget(cwd: string, given: string): Promise<ScanTarget> {
  let absolute = resolve(cwd, given);
  let stats;
  try {
    stats = await stat(absolute);
    // The reader refuses symbolic links inside the repository; one the user names is followed once, here.
    if ((await lstat(absolute)).isSymbolicLink()) absolute = await realpath(absolute);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") throw new TargetError(`no such directory or file: ${given}`);
    if (code === "EACCES" || code === "EPERM")
      throw new TargetError(`cannot read ${given}: permission denied`);
    if (code === "ELOOP") throw new TargetError(`cannot read ${given}: too many levels of symbolic links`);
    throw new TargetError(`cannot read ${given}: ${code ?? String(error)}`);
  }
  if (stats.isDirectory()) return { given, root: absolute, file: null };
  if (!stats.isFile()) throw new TargetError(`${given} is neither a directory nor a regular file`);
  const root = (await gitTopLevel(dirname(absolute))) ?? dirname(absolute);
  return { given, root, file: relative(root, absolute).split(sep).join("/") };
}

/** The nearest directory at or above `dir` that holds a `.git` (a directory, or a file in a worktree). */
async function gitTopLevel(dir: string): Promise<string | null> {
  const top = parse(dir).root;
  for (let current = dir; ; current = dirname(current)) {
    try {
      await lstat(resolve(current, ".git"));
      return current;
    } catch {
      // not here: look in the parent
    }
    if (current === top) return null;
  }
}

/**
 * A path as the user can open it from `cwd`, with forward slashes; "" for cwd itself. Relative below `cwd`, absolute
 * elsewhere (as ESLint prints them), where a relative path would be a run of "../".
 */
export function shownFrom(cwd: string, absolute: string): string {
  const path = relative(cwd, absolute);
  return (path === ".." || path.startsWith(`..${sep}`) || isAbsolute(path) ? absolute : path)
    .split(sep)
    .join("/");
}
