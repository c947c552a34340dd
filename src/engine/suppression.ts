import { ANNOTATION, splitCsv } from "./argocd/annotations.js";
import type { ManifestObject, ParsedManifestFile } from "./manifests/parse-manifests.js";
import { findPair, nodeRange } from "./manifests/yaml-nodes.js";

const IGNORE_COMMENT = /#\s*argocd-job-guard\s+ignore\b\s*([\w\s,-]*)/;

/**
 * Rule ids the user suppressed on this object (README, "Suppressing a finding"): the annotation
 * `argocd-job-guard.io/ignore: "<id>[,<id>…]" | "all"`, or a `# argocd-job-guard ignore <id>[,…]` comment on the
 * line above `kind:` or on the `metadata:` line. `all` suppresses every rule.
 */
export function suppressedRules(
  file: ParsedManifestFile,
  object: ManifestObject,
  annotations: ReadonlyMap<string, string>,
): Set<string> {
  const ids = new Set(splitCsv(annotations.get(ANNOTATION.ignore)));
  const lines: number[] = [];
  const kindStart = nodeRange(findPair(object.node, "kind")?.key)?.[0];
  if (kindStart !== undefined) lines.push(file.lineCounter.linePos(kindStart).line - 2);
  const metadataStart = nodeRange(findPair(object.node, "metadata")?.key)?.[0];
  if (metadataStart !== undefined) lines.push(file.lineCounter.linePos(metadataStart).line - 1);
  for (const line of lines) {
    const match = IGNORE_COMMENT.exec(lineText(file, line));
    for (const id of splitCsv(match?.[1]?.replace(/\s+/g, ",") ?? "")) ids.add(id);
  }
  return ids;
}

/**
 * The text of a 0-based line, cut out of the file with the line starts the parser already counted: splitting the
 * whole text here, once per Job, made a file of many Jobs quadratic.
 */
function lineText(file: ParsedManifestFile, line: number): string {
  const starts = file.lineCounter.lineStarts;
  const start = starts[line];
  // No line (-1 or -2 above a first line) has no start.
  if (start === undefined) return "";
  const next = starts[line + 1];
  return file.text.slice(start, next === undefined ? file.text.length : next - 1);
}
