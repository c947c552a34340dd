import { parseAllDocuments } from "yaml";
import { MAX_ALIAS_COUNT, isRecord, scalarText } from "../manifests/parse-manifests.js";
import { dirname, joinRepoPath } from "../repo-tree.js";

/**
 * Annotations a Kustomize overlay puts on Jobs: strategic-merge patches, JSON 6902 operations on
 * `/metadata/annotations`, and `commonAnnotations`. Only annotations are read: they decide whether a Job is a hook,
 * how it is deleted and synced. Everything else a patch changes is left alone.
 */
export interface AnnotationPatch {
  /** The Job's name, or null for every Job of the build (`commonAnnotations`). */
  job: string | null;
  annotations: Record<string, string>;
  /** The kustomization that applies it. */
  source: string;
}

interface PatchEntry {
  /** Inline patch text, or the path of the patch file. */
  inline: string | null;
  path: string | null;
  targetKind: string | null;
  targetName: string | null;
}

/** The repository files a kustomization uses as patches (they are read like the kustomization itself). */
export function referencedPatchFiles(
  kustomizationFile: string,
  kustomization: Record<string, unknown>,
): string[] {
  return patchEntries(kustomizationFile, kustomization).flatMap((entry) =>
    entry.path === null ? [] : [entry.path],
  );
}

/** The Job annotations a kustomization's patches set. `readText` gives the text of a patch file, if known. */
export function readAnnotationPatches(
  kustomizationFile: string,
  kustomization: Record<string, unknown>,
  readText: (path: string) => string | undefined,
): AnnotationPatch[] {
  const patches: AnnotationPatch[] = [];
  const common = kustomization.commonAnnotations;
  if (isRecord(common)) {
    patches.push({ job: null, annotations: stringValues(common), source: kustomizationFile });
  }
  for (const entry of patchEntries(kustomizationFile, kustomization)) {
    const text = entry.inline ?? (entry.path === null ? undefined : readText(entry.path));
    const documents = text === undefined ? [] : parseInline(text);
    for (const document of documents) {
      const patch = Array.isArray(document)
        ? fromJson6902(document, entry)
        : isRecord(document)
          ? fromStrategicMerge(document, entry)
          : null;
      if (patch) patches.push({ ...patch, source: kustomizationFile });
    }
  }
  return patches;
}

function patchEntries(kustomizationFile: string, kustomization: Record<string, unknown>): PatchEntry[] {
  const dir = dirname(kustomizationFile);
  const resolve = (path: unknown) => (typeof path === "string" ? joinRepoPath(dir, path.trim()) : null);
  const entries: PatchEntry[] = [];
  const strategic = kustomization.patchesStrategicMerge;
  if (Array.isArray(strategic)) {
    for (const item of strategic) {
      if (typeof item !== "string") continue;
      const inline = item.includes("\n");
      entries.push({
        inline: inline ? item : null,
        path: inline ? null : resolve(item),
        targetKind: null,
        targetName: null,
      });
    }
  }
  for (const key of ["patches", "patchesJson6902"]) {
    const list = kustomization[key];
    if (!Array.isArray(list)) continue;
    for (const item of list) {
      if (!isRecord(item)) continue;
      const target = isRecord(item.target) ? item.target : {};
      entries.push({
        inline: typeof item.patch === "string" ? item.patch : null,
        path: typeof item.path === "string" ? resolve(item.path) : null,
        targetKind: typeof target.kind === "string" ? target.kind : null,
        targetName: typeof target.name === "string" ? target.name : null,
      });
    }
  }
  return entries;
}

function parseInline(text: string): unknown[] {
  try {
    return parseAllDocuments(text).flatMap((doc) => {
      if (doc.errors.length > 0) return [];
      const value: unknown = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
      return value === null || value === undefined ? [] : [value];
    });
  } catch {
    return [];
  }
}

function fromStrategicMerge(
  document: Record<string, unknown>,
  entry: PatchEntry,
): Omit<AnnotationPatch, "source"> | null {
  const kind = typeof document.kind === "string" ? document.kind : entry.targetKind;
  const metadata = isRecord(document.metadata) ? document.metadata : {};
  const name = typeof metadata.name === "string" ? metadata.name : entry.targetName;
  if (kind !== "Job" || name === null || !isRecord(metadata.annotations)) return null;
  return { job: name, annotations: stringValues(metadata.annotations) };
}

function fromJson6902(operations: unknown[], entry: PatchEntry): Omit<AnnotationPatch, "source"> | null {
  if (entry.targetKind !== "Job" || entry.targetName === null) return null;
  const annotations: Record<string, string> = {};
  for (const operation of operations) {
    if (!isRecord(operation) || (operation.op !== "add" && operation.op !== "replace")) continue;
    const path = typeof operation.path === "string" ? operation.path : "";
    if (path === "/metadata/annotations" && isRecord(operation.value)) {
      Object.assign(annotations, stringValues(operation.value));
    } else if (path.startsWith("/metadata/annotations/")) {
      const key = path.slice("/metadata/annotations/".length).replaceAll("~1", "/").replaceAll("~0", "~");
      annotations[key] = scalarText(operation.value);
    }
  }
  return Object.keys(annotations).length > 0 ? { job: entry.targetName, annotations } : null;
}

function stringValues(record: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [key, scalarText(value)]));
}

/**
 * The annotations the patches of one deployment route put on a Job, applied inner kustomization first, so that the
 * overlay's value wins.
 */
export function patchedAnnotations(
  route: readonly AnnotationPatch[],
  jobName: string,
): Record<string, string> {
  const result: Record<string, string> = {};
  for (const patch of route)
    if (patch.job === null || patch.job === jobName) Object.assign(result, patch.annotations);
  return result;
}

/**
 * The patch files that kustomization texts name: for readers (the GitHub App) that fetch files one by one and must
 * know what to fetch next.
 */
export function patchFilesOfKustomizations(
  kustomizations: readonly { path: string; text: string }[],
): string[] {
  return kustomizations.flatMap(({ path, text }) => {
    const [value] = parseInline(text);
    return isRecord(value) ? referencedPatchFiles(path, value) : [];
  });
}
