import { isMap, isScalar } from "yaml";
import { splitCsv } from "../argocd/annotations.js";
import type { JobView } from "../jobs/job-view.js";
import { findPair, nodeRange } from "../manifests/yaml-nodes.js";
import type { TextEdit } from "../types.js";
import {
  addNestedMap,
  appendToMap,
  fillEmptyValue,
  indentStepOf,
  replaceScalar,
  type NewEntry,
} from "./edit-builders.js";

/** How an annotation should change: set it to a value, or merge tokens into its comma-separated list. */
export type AnnotationChange = { key: string; set: string } | { key: string; mergeTokens: string[] };

/**
 * Edits that bring a Job's annotations to the wanted state: existing values are merged or replaced in place,
 * missing keys are added to the existing `annotations:` map, or a new map is created under `metadata`.
 * Returns null when the Job's layout leaves no safe place for the edit (no metadata, say; see noEditReason).
 */
export function annotationEdits(job: JobView, changes: readonly AnnotationChange[]): TextEdit[] | null {
  // A value a Kustomize patch sets would override the edit: the change belongs in the patch.
  if (patchedKeyOf(job, changes) !== null) return null;
  if (job.editBlocker !== null) return null;
  const edits: TextEdit[] = [];
  const missing: NewEntry[] = [];
  const inFlow = job.annotationsNode?.flow === true;
  for (const change of changes) {
    const pair = findPair(job.annotationsNode, change.key);
    const current = job.annotations.get(change.key);
    if (pair && isScalar(pair.value) && current !== undefined) {
      const next = "set" in change ? change.set : mergeCsv(current, change.mergeTokens);
      if (next === current) continue;
      const edit = replaceScalar(job.file, pair.value, next, inFlow);
      if (!edit) return null;
      edits.push(edit);
    } else if (pair) {
      return null;
    } else {
      missing.push({ key: change.key, value: "set" in change ? change.set : change.mergeTokens.join(",") });
    }
  }
  if (missing.length === 0) return edits;
  const metadata = job.metadataNode;
  if (!metadata) return null;
  const metadataPair = findPair(job.object.node, "metadata");
  const metadataKeyStart = nodeRange(metadataPair?.key)?.[0] ?? 0;
  const step = indentStepOf(job.file, metadataKeyStart, metadata);
  const annotationsPair = findPair(metadata, "annotations");
  if (annotationsPair) {
    const value = annotationsPair.value;
    // A block map parsed from text has entries; an empty one is written `{}`, a flow map.
    if (isMap(value)) {
      const edit = appendToMap(job.file, value, missing);
      return edit ? [...edits, edit] : null;
    }
    const keyRange = nodeRange(annotationsPair.key);
    const valueRange = nodeRange(value);
    const emptyValue = isScalar(value) && (value.value === null || value.value === "");
    if (!emptyValue || !keyRange || !valueRange) return null;
    const [valueStart, valueEnd] = valueRange;
    // An explicit null (`annotations: ~` or `null`) must go, or the map below it would not parse.
    const dropNull =
      valueStart < valueEnd
        ? [{ start: job.file.text.indexOf(":", keyRange[1]) + 1, end: valueEnd, text: "" }]
        : [];
    return [...edits, ...dropNull, fillEmptyValue(job.file, keyRange[0], valueEnd, missing, step)];
  }
  // In a Helm template the end of `metadata` may sit inside an `{{ if }}` block: anchor on the name instead.
  const anchor = job.file.helm ? (job.name !== null ? "name" : "generateName") : null;
  const edit = addNestedMap(job.file, metadata, "annotations", missing, step, anchor);
  return edit ? [...edits, edit] : null;
}

/** The first annotation among `changes` that a Kustomize patch sets on the Job, or null. */
export function patchedKeyOf(job: JobView, changes: readonly { key: string }[]): string | null {
  return changes.find((change) => job.patchedAnnotations.keys.has(change.key))?.key ?? null;
}

/** Why annotationEdits found no place for the edit: what blocks editing, or `fallback` when nothing in particular. */
export function noEditReason(job: JobView, fallback: string): string {
  return job.editBlocker ?? fallback;
}

/** Why a fix that touches `key` is not made: the Kustomize patch that sets it. */
export function patchedReason(job: JobView, key: string): string {
  return `${key} is set by the Kustomize patch in ${job.patchedAnnotations.sources.join(", ")}: change it there`;
}

/** Appends tokens missing from a comma-separated value, keeping the user's own tokens and spacing. */
export function mergeCsv(current: string, tokens: readonly string[]): string {
  const present = splitCsv(current);
  const toAdd = tokens.filter((token) => !present.includes(token));
  if (toAdd.length === 0) return current;
  const separator = current.includes(", ") ? ", " : ",";
  return current.trim() === ""
    ? toAdd.join(separator)
    : `${current.replace(/[\s,]+$/, "")}${separator}${toAdd.join(separator)}`;
}
