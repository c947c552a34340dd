import { isRecord, type ParsedManifestFile } from "../manifests/parse-manifests.js";
import { basename, dirname, joinRepoPath, type RepoTree } from "../repo-tree.js";
import type { AppSummary, DeployingApp, PathResolution } from "../types.js";
import type { AppSource, ArgoApp } from "./find-applications.js";
import { readAnnotationPatches, type AnnotationPatch } from "./kustomize-patches.js";
import { MAX_PATTERN_LENGTH } from "../glob.js";
import { gobwasGlobMatcher, normaliseRepoUrl } from "./patterns.js";
import { isTemplated, renderTemplate, UNKNOWN_MARK } from "./template-eval.js";
import {
  appParams,
  resolveTemplatedPath,
  type AppParams,
  type TemplatedPathContext,
} from "./templated-paths.js";

const KUSTOMIZATION_FILES = ["kustomization.yaml", "kustomization.yml", "Kustomization"];
/** reposerver's manifestFile regexp; jsonnet is listed by Argo CD but cannot be evaluated here. */
const DIRECTORY_MANIFEST = /\.(ya?ml|json)$/i;
const MAX_KUSTOMIZE_DEPTH = 30;

export interface DeploymentMap {
  /** For each deployed file, the apps that deploy it. */
  deployedBy: Map<string, DeployingApp[]>;
  /** For each deployed file, the Kustomize patches of each route that deploys it (one list per route). */
  patchRoutes: Map<string, AnnotationPatch[][]>;
  apps: AppSummary[];
  /** At least one Application/ApplicationSet deploys from this repository. */
  hasOwnApps: boolean;
  /** The repository URLs, as written, that the apps name when they are not this repository. */
  otherRepositories: string[];
  notes: string[];
}

export interface DeploymentContext {
  tree: RepoTree;
  /** Parsed YAML files by path (kustomization files are read from here). */
  parsed: ReadonlyMap<string, ParsedManifestFile>;
  /** Normalised URL of this repository, when known. */
  repoUrl: string | null;
  /** Text of a repository file (Kustomize patch files), when it was read. */
  readText: (path: string) => string | undefined;
}

/**
 * Works out which repository files Argo CD deploys, from the repository's own Applications and ApplicationSets
 * (docs/argocd-and-jobs.md, "Which files Argo CD deploys").
 */
export function mapDeployedFiles(apps: readonly ArgoApp[], context: DeploymentContext): DeploymentMap {
  const deployedBy = new Map<string, DeployingApp[]>();
  const patchRoutes = new Map<string, AnnotationPatch[][]>();
  const summaries: AppSummary[] = [];
  const notes: string[] = [];
  let hasOwnApps = false;
  const otherRepositories = new Set<string>();
  const templateContext: TemplatedPathContext = {
    tree: context.tree,
    parsed: context.parsed,
    readText: context.readText,
    isAppRoot: (dir: string) => isAppRoot(dir, context.tree),
    chartValues: new Map(),
  };
  for (const app of apps) {
    const deploying: DeployingApp = {
      name: app.name,
      file: app.file,
      kind: app.kind,
      automated: app.automated,
      selfHeal: app.selfHeal,
      syncOptions: app.syncOptions,
      skipsHelmTests: app.sources.length > 0 && app.sources.every((source) => source.helmSkipTests),
    };
    const summary: AppSummary = {
      name: app.name,
      file: app.file,
      kind: app.kind,
      paths: [],
      resolution: null,
      notes: [],
    };
    for (const source of app.sources) {
      const { roots, resolution, elsewhere } = resolveSourceRoots(
        app,
        source,
        context,
        templateContext,
        summary.notes,
      );
      if (elsewhere) otherRepositories.add(source.repoURL?.trim() ?? "");
      // A templated path that names this repository says the repository holds its own apps, even when the
      // repository does not say enough to resolve it: assuming every manifest deployed would be a guess.
      if (resolution === "unresolved" || resolution === "partial") hasOwnApps = true;
      if (
        resolution !== null &&
        RESOLUTION_ORDER[resolution] > RESOLUTION_ORDER[summary.resolution ?? "literal"]
      )
        summary.resolution = resolution;
      else summary.resolution ??= resolution;
      if (roots.length === 0) continue;
      hasOwnApps = true;
      for (const root of roots) {
        summary.paths.push(root === "" ? "." : root);
        for (const [file, patches] of filesOfRoot(root, source, context, summary.notes)) {
          const list = deployedBy.get(file) ?? [];
          if (!list.includes(deploying)) list.push(deploying);
          deployedBy.set(file, list);
          patchRoutes.set(file, [...(patchRoutes.get(file) ?? []), patches]);
        }
      }
    }
    summary.paths = [...new Set(summary.paths)].sort();
    summary.notes = [...new Set(summary.notes)];
    summaries.push(summary);
  }
  return {
    deployedBy,
    patchRoutes,
    apps: summaries,
    hasOwnApps,
    otherRepositories: [...otherRepositories].sort(),
    notes,
  };
}

const RESOLUTION_ORDER: Record<PathResolution, number> = {
  literal: 0,
  evaluated: 1,
  partial: 2,
  unresolved: 3,
};

/**
 * Repository URLs Argo CD reads as git: https/http, ssh, git, or the scp-like `user@host:path`. A `cnoe://`, `oci://`
 * or bare registry reference (Helm or OCI) is not this repository, whatever path the source names.
 */
function isGitUrl(url: string): boolean {
  return /^(https?|ssh|git|git\+ssh|file):\/\//i.test(url.trim()) || /^[\w.-]+@[\w.-]+[:/]/.test(url.trim());
}

function isPlaceholder(url: string): boolean {
  return !url.includes(":") && !url.includes("@") && !url.includes("/") && !url.includes(".");
}

function resolveSourceRoots(
  app: ArgoApp,
  source: AppSource,
  context: DeploymentContext,
  templateContext: TemplatedPathContext,
  notes: string[],
): { roots: string[]; resolution: PathResolution | null; elsewhere?: true } {
  const none = { roots: [], resolution: null };
  if (source.chart !== null) {
    notes.push(`source chart "${source.chart}" comes from a Helm repository, not from this repository`);
    return none;
  }
  if (source.path === null) return none;
  // A word that is no URL at all (`patch-me-see-overlays`) is a placeholder an overlay replaces: it may be this one.
  const repoUrlTemplated =
    source.repoURL === null || isTemplated(source.repoURL) || isPlaceholder(source.repoURL);
  if (!repoUrlTemplated && !isGitUrl(source.repoURL ?? "")) {
    notes.push(
      `repoURL "${source.repoURL ?? ""}" is not a git repository: nothing from this repository is deployed by it`,
    );
    return none;
  }
  if (
    !repoUrlTemplated &&
    context.repoUrl !== null &&
    normaliseRepoUrl(source.repoURL ?? "") !== context.repoUrl
  ) {
    return { ...none, elsewhere: true };
  }
  let params: AppParams | null = null;
  if (source.repoURL !== null && isTemplated(source.repoURL)) {
    // Keep only the parameter sets whose repoURL may be this repository: `{{ .repoURL }}` per list element.
    const all = appParams(app, templateContext);
    const repoURL = source.repoURL;
    const sets = all.sets.filter((set) => {
      const url = renderTemplate(repoURL, set, all.goTemplate).text;
      if (url.includes(UNKNOWN_MARK) || isTemplated(url)) return true;
      if (!isGitUrl(url)) return false;
      return context.repoUrl === null || normaliseRepoUrl(url) === context.repoUrl;
    });
    if (sets.length === 0 && all.sets.length > 0) {
      notes.push(
        `repoURL "${repoURL}" names other repositories in every parameter set: nothing from this one`,
      );
      return none;
    }
    params = { ...all, sets };
  }
  const path = source.path.replace(/^\.?\/+/, "").replace(/\/+$/, "");
  if (!isTemplated(path)) {
    const root = path === "." ? "" : path;
    return { roots: context.tree.hasDirectory(root) ? [root] : [], resolution: "literal" };
  }
  if (path.length > MAX_PATTERN_LENGTH) {
    notes.push(`templated path longer than ${MAX_PATTERN_LENGTH} characters was not matched`);
    return { roots: [], resolution: "unresolved" };
  }
  const resolved = resolveTemplatedPath(path, params ?? appParams(app, templateContext), templateContext);
  notes.push(resolved.note);
  return { roots: resolved.roots, resolution: resolved.resolution };
}

function isAppRoot(dir: string, tree: RepoTree): boolean {
  if (tree.hasFile(`${dir}/Chart.yaml`)) return true;
  if (KUSTOMIZATION_FILES.some((name) => tree.hasFile(`${dir}/${name}`))) return true;
  return tree.filesIn(dir, false).some((file) => DIRECTORY_MANIFEST.test(file));
}

/** The files a source root deploys, each with the Kustomize patches that apply to it on the way. */
function filesOfRoot(
  root: string,
  source: AppSource,
  context: DeploymentContext,
  notes: string[],
): Map<string, AnnotationPatch[]> {
  const prefix = root === "" ? "" : `${root}/`;
  const unpatched = (files: string[]) => new Map(files.map((file) => [file, [] as AnnotationPatch[]]));
  if (context.tree.hasFile(`${prefix}Chart.yaml`)) return unpatched(helmChartFiles(root, context.tree));
  const kustomization = KUSTOMIZATION_FILES.map((name) => `${prefix}${name}`).find((f) =>
    context.tree.hasFile(f),
  );
  if (kustomization) {
    const files = new Map<string, AnnotationPatch[]>();
    followKustomization(kustomization, context, files, new Set(), notes, 0, []);
    return files;
  }
  // A pattern that does not compile (or is over-long) matches nothing, as in Argo CD's util/glob.Match.
  const include = source.directory.include ? gobwasGlobMatcher(source.directory.include) : undefined;
  const exclude = source.directory.exclude ? gobwasGlobMatcher(source.directory.exclude) : undefined;
  return unpatched(
    context.tree.filesIn(root, source.directory.recurse).filter((file) => {
      if (!DIRECTORY_MANIFEST.test(file)) return false;
      const relative = file.slice(prefix.length);
      // Argo CD applies exclude first, then include.
      if (exclude?.test(relative)) return false;
      return include === undefined ? true : include !== null && include.test(relative);
    }),
  );
}

/** A chart deploys its templates (not `_*` helpers, not NOTES.txt) and those of its vendored subcharts. */
function helmChartFiles(chartDir: string, tree: RepoTree): string[] {
  const prefix = chartDir === "" ? "" : `${chartDir}/`;
  const templates = tree
    .filesIn(`${prefix}templates`, true)
    .filter((file) => !basename(file).startsWith("_") && basename(file) !== "NOTES.txt");
  const subcharts = [...tree.directories].filter(
    (dir) => dirname(dir) === `${prefix}charts` && tree.hasFile(`${dir}/Chart.yaml`),
  );
  return [...templates, ...subcharts.flatMap((dir) => helmChartFiles(dir, tree))];
}

/**
 * Follows `resources`, `bases`, `components` (and `crds`) transitively; patches are not resources, but the Job
 * annotations they set are recorded for the files they reach. `outer` holds the patches of the kustomizations that
 * led here, which apply after this one's.
 */
function followKustomization(
  kustomizationFile: string,
  context: DeploymentContext,
  files: Map<string, AnnotationPatch[]>,
  visited: Set<string>,
  notes: string[],
  depth: number,
  outer: readonly AnnotationPatch[],
): void {
  if (visited.has(kustomizationFile) || depth > MAX_KUSTOMIZE_DEPTH) return;
  visited.add(kustomizationFile);
  const parsed = context.parsed.get(kustomizationFile);
  const value = parsed?.objects[0]?.value;
  if (!value || !isRecord(value)) {
    notes.push(`${kustomizationFile} could not be read`);
    return;
  }
  const dir = dirname(kustomizationFile);
  const route = [...readAnnotationPatches(kustomizationFile, value, context.readText), ...outer];
  const entries = ["resources", "bases", "components", "crds"].flatMap((key) => {
    const list = value[key];
    return Array.isArray(list) ? list.filter((item): item is string => typeof item === "string") : [];
  });
  for (const entry of entries) {
    if (/^[a-z+]+:\/\/|^git@|^github\.com\//i.test(entry)) {
      notes.push(`remote kustomize resource "${entry}" is not scanned`);
      continue;
    }
    const target = joinRepoPath(dir, entry.trim());
    if (target === null) continue;
    if (context.tree.hasFile(target)) {
      files.set(target, route);
      continue;
    }
    const nested = KUSTOMIZATION_FILES.map((name) => (target === "" ? name : `${target}/${name}`)).find((f) =>
      context.tree.hasFile(f),
    );
    if (nested) followKustomization(nested, context, files, visited, notes, depth + 1, route);
  }
}
