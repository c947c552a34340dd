import { isMap, isScalar, isSeq, type YAMLMap } from "yaml";
import { isRecord, type ManifestObject, type ParsedManifestFile } from "../manifests/parse-manifests.js";
import { findMap, findPair, locate } from "../manifests/yaml-nodes.js";
import { writtenText } from "../manifests/written-text.js";
import type { SourceLocation } from "../types.js";
import { templateActions } from "../manifests/helm-mask.js";

/** One git source of an Application or of an ApplicationSet's template, as written. */
export interface AppSource {
  repoURL: string | null;
  /** The path as written in the original text, template actions included. */
  path: string | null;
  chart: string | null;
  ref: string | null;
  directory: { recurse: boolean; include: string | null; exclude: string | null };
  /** `helm.skipTests: true` (Argo CD 2.14+): Helm test hooks are left out when the chart is rendered. */
  helmSkipTests: boolean;
}

export interface GitGeneratorPatterns {
  directories: { path: string; exclude: boolean }[];
  files: { path: string; exclude: boolean }[];
}

export interface ArgoApp {
  kind: "Application" | "ApplicationSet";
  name: string;
  file: string;
  location: SourceLocation;
  sources: AppSource[];
  automated: boolean;
  selfHeal: boolean;
  syncOptions: string[];
  /** Where `Force=true` sits in `spec.syncPolicy.syncOptions`, if it does (a no-op there). */
  forceOptionLocation: SourceLocation | null;
  gitGenerators: GitGeneratorPatterns;
  /** `spec.goTemplate: true`: the template uses Go template syntax, not the legacy `{{name}}` one. */
  goTemplate: boolean;
  /** The ApplicationSet's `spec.generators` as plain data (masked Helm values included), else null. */
  generators: unknown;
  /**
   * In a Helm template: the actions open where the document starts (`range .Values.apps`, `$x := …`), in order,
   * which say what `.` and the variables are for the document's own actions.
   */
  helmScope: string[] | null;
}

export function isArgoApp(object: ManifestObject): boolean {
  return (
    (object.kind === "Application" || object.kind === "ApplicationSet") &&
    (object.apiVersion ?? "").startsWith("argoproj.io/")
  );
}

/**
 * Reads an Application or ApplicationSet document. Values hidden by Helm template masking are read back from the
 * original text, so that `{{ .path.path }}` stays recognisable.
 */
export function readArgoApp(file: ParsedManifestFile, object: ManifestObject): ArgoApp {
  const kind = object.kind === "ApplicationSet" ? "ApplicationSet" : "Application";
  const metadata = isRecord(object.value.metadata) ? object.value.metadata : {};
  const name =
    (typeof metadata.name === "string"
      ? writtenText(file, findPair(findMap(object.node, "metadata"), "name")?.value)
      : null) ?? "(unnamed)";
  const specNode =
    kind === "ApplicationSet"
      ? (findMap(findMap(object.node, "template"), "spec") ??
        findMap(findMap(findMap(object.node, "spec"), "template"), "spec"))
      : findMap(object.node, "spec");
  const sourcesNode = findPair(specNode, "sources")?.value;
  const sourceNodes: YAMLMap[] = isSeq(sourcesNode)
    ? sourcesNode.items.filter(isMap)
    : [findMap(specNode, "source")].filter((n): n is YAMLMap => n !== null);
  const sources = sourceNodes.map((node) => readSource(file, node));
  const syncPolicy = findMap(specNode, "syncPolicy");
  const automatedPair = findPair(syncPolicy, "automated");
  const automatedNode = isMap(automatedPair?.value) ? automatedPair.value : null;
  const automatedEnabled =
    automatedPair !== null && writtenText(file, findPair(automatedNode, "enabled")?.value) !== "false";
  const syncOptionsNode = findPair(syncPolicy, "syncOptions")?.value;
  const syncOptions: string[] = [];
  let forceOptionLocation: SourceLocation | null = null;
  if (isSeq(syncOptionsNode)) {
    for (const item of syncOptionsNode.items) {
      if (!isScalar(item) || typeof item.value !== "string") continue;
      const option = item.value.trim();
      syncOptions.push(option);
      if (option === "Force=true" && item.range)
        forceOptionLocation = locate(file.lineCounter, item.range[0], item.range[1]);
    }
  }
  const spec = object.value.spec;
  const range = findPair(object.node, "kind")?.key?.range ?? object.node.range ?? [0, 0];
  return {
    kind,
    name,
    file: file.path,
    location: locate(file.lineCounter, range[0], range[1]),
    sources,
    automated: automatedEnabled,
    selfHeal: automatedEnabled && writtenText(file, findPair(automatedNode, "selfHeal")?.value) === "true",
    syncOptions,
    forceOptionLocation,
    gitGenerators:
      kind === "ApplicationSet"
        ? readGitGenerators(file, findPair(findMap(object.node, "spec"), "generators")?.value)
        : { directories: [], files: [] },
    goTemplate:
      kind === "ApplicationSet" && isRecord(spec) && (spec.goTemplate === true || spec.goTemplate === "true"),
    generators: kind === "ApplicationSet" && isRecord(spec) ? spec.generators : null,
    helmScope: file.helm ? openActionsBefore(file.text, object.node.range?.[0] ?? 0) : null,
  };
}

/**
 * The control actions still open at `offset` and the variable assignments made before it, in order: what the
 * document at `offset` is rendered inside. An `end` closes the innermost open action.
 */
function openActionsBefore(text: string, offset: number): string[] {
  const open: string[] = [];
  for (const [start, end] of templateActions(text.slice(0, offset))) {
    const inner = text
      .slice(start + 2, end - 2)
      .replace(/^-\s?/, "")
      .replace(/\s?-$/, "")
      .trim();
    const word = inner.split(/\s/, 1)[0] ?? "";
    if (word === "end") {
      // Variables set inside the closed action go with it.
      while (open.length > 0 && (open[open.length - 1] ?? "").startsWith("$")) open.pop();
      open.pop();
    } else if (word === "range" || word === "with" || word === "if" || word === "define") open.push(inner);
    else if (/^\$\w+\s*:?=/.test(inner)) open.push(inner);
    if (open.length > 64) return open;
  }
  return open;
}

function readSource(file: ParsedManifestFile, node: YAMLMap): AppSource {
  const directory = findMap(node, "directory");
  return {
    repoURL: writtenText(file, findPair(node, "repoURL")?.value),
    path: writtenText(file, findPair(node, "path")?.value),
    chart: writtenText(file, findPair(node, "chart")?.value),
    ref: writtenText(file, findPair(node, "ref")?.value),
    directory: {
      recurse: writtenText(file, findPair(directory, "recurse")?.value) === "true",
      include: writtenText(file, findPair(directory, "include")?.value),
      exclude: writtenText(file, findPair(directory, "exclude")?.value),
    },
    helmSkipTests: writtenText(file, findPair(findMap(node, "helm"), "skipTests")?.value) === "true",
  };
}

/** Git generators may sit inside matrix/merge generators: collect them at any depth. */
function readGitGenerators(file: ParsedManifestFile, generators: unknown): GitGeneratorPatterns {
  const result: GitGeneratorPatterns = { directories: [], files: [] };
  const visit = (node: unknown, depth: number): void => {
    if (depth > 8) return;
    if (isSeq(node)) {
      for (const item of node.items) visit(item, depth + 1);
      return;
    }
    if (!isMap(node)) return;
    const git = findMap(node, "git");
    if (git) {
      for (const key of ["directories", "files"] as const) {
        const list = findPair(git, key)?.value;
        if (!isSeq(list)) continue;
        for (const entry of list.items) {
          if (!isMap(entry)) continue;
          const path = writtenText(file, findPair(entry, "path")?.value);
          if (path !== null)
            result[key].push({
              path,
              exclude: writtenText(file, findPair(entry, "exclude")?.value) === "true",
            });
        }
      }
    }
    for (const pair of node.items) if (pair.value !== git) visit(pair.value, depth + 1);
  };
  visit(generators, 0);
  return result;
}
