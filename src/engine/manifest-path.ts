import { basename } from "./repo-tree.js";

const MANIFEST_EXTENSION = /\.(ya?ml|json)$/i;

/** YAML and JSON files, plus Helm templates with other extensions (`.tpl`), but not `_helpers.tpl`-style partials. */
export function isManifestPath(path: string): boolean {
  if (MANIFEST_EXTENSION.test(path)) return true;
  return /(^|\/)templates\//.test(path) && path.endsWith(".tpl") && !basename(path).startsWith("_");
}
