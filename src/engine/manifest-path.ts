import { basename } from "./repo-tree.js";

const MANIFEST_EXTENSION = /\.(ya?ml|json)$/i;

/** YAML and JSON files, plus Helm templates with other extensions (`.tpl`), but not `_helpers.tpl`-style partials. */
export function isManifestPath(path: string): boolean {
  if (MANIFEST_EXTENSION.test(path)) return true;
  return /(^|\/)templates\//.test(path) && path.endsWith(".tpl") && !basename(path).startsWith("_");
}

/** Directories never holding manifests Argo CD deploys, and expensive to walk: no reader of a repository lists them. */
export const SKIPPED_DIRECTORIES: ReadonlySet<string> = new Set([".git", "node_modules"]);

/** Whether any directory on a repository path is one that readers skip (`a/node_modules/b.yaml`). */
export function isInSkippedDirectory(path: string): boolean {
  const parts = path.split("/");
  return parts.slice(0, -1).some((part) => SKIPPED_DIRECTORIES.has(part));
}
