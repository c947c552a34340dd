import { isMap, isScalar, type Scalar, type YAMLMap } from "yaml";
import {
  ANNOTATION,
  hasOption,
  readDeletePolicies,
  readHook,
  splitCsv,
  type DeletePolicyInfo,
  type HookInfo,
} from "../argocd/annotations.js";
import { editBlocker } from "../fix/shared-nodes.js";
import { containsPlaceholder } from "../manifests/helm-mask.js";
import {
  isRecord,
  scalarText,
  type ManifestObject,
  type ParsedManifestFile,
} from "../manifests/parse-manifests.js";
import { findMap, findPair, locate, nodeRange } from "../manifests/yaml-nodes.js";
import { writtenText } from "../manifests/written-text.js";
import type { DeployingApp, SourceLocation } from "../types.js";
import { patchedAnnotations, type AnnotationPatch } from "../argocd/kustomize-patches.js";
import { jobDependencies, migrationEvidence } from "./job-evidence.js";

/** Everything the rules need to know about one Job, computed once. */
export interface JobView {
  file: ParsedManifestFile;
  object: ManifestObject;
  name: string | null;
  generateName: string | null;
  namespace: string | null;
  /** The name (or generateName) holds Helm template output: its value is not known. */
  nameTemplated: boolean;
  /** Some annotations come from template output (values), so the visible ones may not be all. */
  annotationsTemplated: boolean;
  /** The annotations Argo CD sees: the Job's own, with those Kustomize patches put on it. */
  annotations: Map<string, string>;
  /** Annotation keys set by a Kustomize patch, and where: a fix must not edit them in the Job's file. */
  patchedAnnotations: { keys: Set<string>; sources: string[] };
  /** The Kustomize overlays deploying this Job patch its annotations differently: only its own were judged. */
  patchedDifferently: boolean;
  /** Why the annotations cannot be edited where they are written (aliases, merge keys, Helm branches), or null. */
  editBlocker: string | null;
  metadataNode: YAMLMap | null;
  annotationsNode: YAMLMap | null;
  hook: HookInfo;
  deletePolicies: DeletePolicyInfo;
  /** Sync options of the Job's own annotation. */
  annotationSyncOptions: string[];
  /** Union of the deploying Applications' `syncPolicy.syncOptions`. */
  appSyncOptions: string[];
  deployedBy: DeployingApp[];
  replace: boolean;
  forceAnnotation: boolean;
  serverSideApply: boolean;
  selfHeal: boolean;
  spec: Record<string, unknown>;
  /** Where findings about the Job as a whole point: the `kind: Job` line through the name. */
  location: SourceLocation;
  /** Why the Job is taken for a schema migration (strong evidence only), or null. */
  migrationEvidence: string | null;
  /** An object the Job needs (`PersistentVolumeClaim/data`) that its own Application creates in the Sync phase. */
  needsOwnResource: string | null;
}

export function isJob(object: ManifestObject): boolean {
  return object.kind === "Job" && object.apiVersion === "batch/v1";
}

export function buildJobView(
  file: ParsedManifestFile,
  object: ManifestObject,
  deployedBy: DeployingApp[],
  patchRoutes: readonly (readonly AnnotationPatch[])[] = [],
  ownResources: ReadonlySet<string> = new Set(),
): JobView {
  const metadataNode = findMap(object.node, "metadata");
  const metadata = isRecord(object.value.metadata) ? object.value.metadata : {};
  const annotationsPair = findPair(metadataNode, "annotations");
  const annotationsNode = isMap(annotationsPair?.value) ? annotationsPair.value : null;
  const annotations = new Map<string, string>();
  let annotationsTemplated = false;
  if (isRecord(metadata.annotations)) {
    for (const [key, value] of Object.entries(metadata.annotations)) {
      const text = scalarText(value);
      if (containsPlaceholder(key) || containsPlaceholder(text)) annotationsTemplated = true;
      annotations.set(key, text);
    }
  } else if (annotationsPair && !isMap(annotationsPair.value) && file.helm) {
    // `annotations:` whose content is all template output (`{{- toYaml . | nindent 4 }}`).
    annotationsTemplated = true;
  }
  if (file.helm && annotationsPair) annotationsTemplated ||= mapHasTemplateLines(file, annotationsPair.value);

  const name =
    typeof metadata.name === "string" ? asWritten(file, metadataNode, "name", metadata.name) : null;
  const patched = applyPatchRoutes(
    annotations,
    patchRoutes,
    typeof metadata.name === "string" ? metadata.name : null,
  );
  const generateName =
    typeof metadata.generateName === "string"
      ? asWritten(file, metadataNode, "generateName", metadata.generateName)
      : null;
  const namespace = typeof metadata.namespace === "string" ? metadata.namespace : null;
  const annotationSyncOptions = splitCsv(annotations.get(ANNOTATION.syncOptions));
  const appSyncOptions = [...new Set(deployedBy.flatMap((app) => app.syncOptions))];
  const ssaOff = hasOption(annotationSyncOptions, "ServerSideApply=false");
  const serverSideApply =
    !ssaOff &&
    (hasOption(annotationSyncOptions, "ServerSideApply=true") ||
      hasOption(appSyncOptions, "ServerSideApply=true"));
  const kindPair = findPair(object.node, "kind");
  const start = kindPair?.key?.range?.[0] ?? object.node.range?.[0] ?? 0;
  const nameValue = findPair(metadataNode, name !== null ? "name" : "generateName")?.value;
  const end = nodeRange(nameValue)?.[1] ?? nodeRange(kindPair?.value)?.[1] ?? start;
  const spec = isRecord(object.value.spec) ? object.value.spec : {};
  return {
    file,
    object,
    name,
    generateName,
    namespace,
    nameTemplated: (name ?? generateName ?? "").includes("{{"),
    annotationsTemplated,
    annotations,
    patchedAnnotations: patched.applied,
    patchedDifferently: patched.differently,
    editBlocker: editBlocker(file, object),
    metadataNode,
    annotationsNode,
    hook: readHook(annotations),
    deletePolicies: readDeletePolicies(annotations),
    annotationSyncOptions,
    appSyncOptions,
    deployedBy,
    replace: hasOption(annotationSyncOptions, "Replace=true") || hasOption(appSyncOptions, "Replace=true"),
    forceAnnotation: hasOption(annotationSyncOptions, "Force=true"),
    serverSideApply,
    selfHeal: deployedBy.some((app) => app.selfHeal),
    spec,
    location: locate(file.lineCounter, start, end),
    migrationEvidence: migrationEvidence(name ?? generateName, spec),
    needsOwnResource: jobDependencies(spec).find((needed) => ownResources.has(needed)) ?? null,
  };
}

/** A value of `map[key]` as the user wrote it (see writtenText), or `value` when it was not templated. */
export function asWritten(file: ParsedManifestFile, map: YAMLMap | null, key: string, value: string): string {
  return containsPlaceholder(value) ? (writtenText(file, findPair(map, key)?.value) ?? value) : value;
}

/**
 * Puts the annotations of Kustomize patches on the Job's own, when every route that deploys it patches it alike.
 * Routes that disagree leave the Job judged on its own annotations (and say so).
 */
function applyPatchRoutes(
  annotations: Map<string, string>,
  routes: readonly (readonly AnnotationPatch[])[],
  jobName: string | null,
): { applied: { keys: Set<string>; sources: string[] }; differently: boolean } {
  const none = { applied: { keys: new Set<string>(), sources: [] }, differently: false };
  if (jobName === null || routes.length === 0) return none;
  const perRoute = routes.map((route) => patchedAnnotations(route, jobName));
  const first = perRoute[0] ?? {};
  const same = perRoute.every(
    (p) => JSON.stringify(Object.entries(p).sort()) === JSON.stringify(Object.entries(first).sort()),
  );
  if (!same) return { ...none, differently: true };
  if (Object.keys(first).length === 0) return none;
  for (const [key, value] of Object.entries(first)) annotations.set(key, value);
  const sources = [
    ...new Set(
      routes.flatMap((route) =>
        route.filter((p) => p.job === null || p.job === jobName).map((p) => p.source),
      ),
    ),
  ];
  return { applied: { keys: new Set(Object.keys(first)), sources }, differently: false };
}

/** A hook runs by phase and is not compared; a plain Job is applied and compared like a Deployment. */
export function isPlainJob(job: JobView): boolean {
  return !job.hook.isHook && !job.hook.neverApplied;
}

/** Lines inside the map's extent that were template-only: their output (more annotations?) is unknown. */
function mapHasTemplateLines(file: ParsedManifestFile, node: unknown): boolean {
  const range = nodeRange(node);
  if (!range || !file.helm) return false;
  const first = file.lineCounter.linePos(range[0]).line - 1;
  const last = file.lineCounter.linePos(Math.max(range[0], range[1] - 1)).line - 1;
  for (let line = first; line <= last + 1; line++) if (file.helm.templateOnlyLines.has(line)) return true;
  return false;
}

export function annotationValueNode(job: JobView, key: string): Scalar | null {
  const value = findPair(job.annotationsNode, key)?.value;
  return isScalar(value) ? value : null;
}

/** Whether the Job is a schema migration on strong evidence: its name, a container's name, image or command. */
export function looksLikeMigration(job: JobView): boolean {
  return job.migrationEvidence !== null;
}
