/** The repository's file list, with the directory questions Argo CD's path resolution asks. Pure: no file system. */
export class RepoTree {
  readonly files: ReadonlySet<string>;
  readonly directories: ReadonlySet<string>;
  /** Files directly in each directory: asked once per candidate app root, so not a scan of every file each time. */
  private readonly children = new Map<string, string[]>();

  constructor(paths: Iterable<string>) {
    const files = new Set<string>();
    const directories = new Set<string>([""]);
    for (const path of paths) {
      if (files.has(path)) continue;
      files.add(path);
      const parent = dirname(path);
      const siblings = this.children.get(parent);
      if (siblings) siblings.push(path);
      else this.children.set(parent, [path]);
      let slash = path.lastIndexOf("/");
      while (slash > 0) {
        const dir = path.slice(0, slash);
        if (directories.has(dir)) break;
        directories.add(dir);
        slash = dir.lastIndexOf("/");
      }
    }
    this.files = files;
    this.directories = directories;
  }

  hasFile(path: string): boolean {
    return this.files.has(path);
  }

  hasDirectory(path: string): boolean {
    return this.directories.has(path);
  }

  /** Files directly in `dir`, or anywhere below it with `recursive`. */
  filesIn(dir: string, recursive: boolean): string[] {
    if (!recursive) return [...(this.children.get(dir) ?? [])].sort();
    const prefix = dir === "" ? "" : `${dir}/`;
    const result: string[] = [];
    for (const file of this.files) {
      if (file.startsWith(prefix)) result.push(file);
    }
    return result.sort();
  }
}

/**
 * Joins and normalises repository paths (`a/b` + `../c` = `a/c`). Returns null when the path leaves the repository.
 * @example joinRepoPath("apps/web/overlays/prod", "../../base") === "apps/web/base"
 */
export function joinRepoPath(dir: string, relative: string): string | null {
  const parts = relative.startsWith("/") ? [] : dir.split("/").filter((p) => p !== "");
  for (const part of relative.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (parts.length === 0) return null;
      parts.pop();
    } else {
      parts.push(part);
    }
  }
  return parts.join("/");
}

export function dirname(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash === -1 ? "" : path.slice(0, slash);
}

export function basename(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}
