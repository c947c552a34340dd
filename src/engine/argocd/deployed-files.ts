import { isRecord, type ParsedManifestFile } from "../manifests/parse-manifests.js";
import { basename, dirname, joinRepoPath, type RepoTree } from "../repo-tree.js";
import type { AppSummary, DeployingApp } from "../types.js";
import type { AppSource, ArgoApp } from "./find-applications.js";
import { readAnnotationPatches, type AnnotationPatch } from "./kustomize-patches.js";
import { anyChar, GlobMatcher, literal, MAX_PATTERN_LENGTH, type GlobNode } from "../glob.js";
import { gobwasGlobMatcher, goPathMatcher, normaliseRepoUrl } from "./patterns.js";

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
    const summary: AppSummary = { name: app.name, file: app.file, kind: app.kind, paths: [], notes: [] };
    for (const source of app.sources) {
      const roots = resolveSourceRoots(app, source, context, summary.notes);
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
  return { deployedBy, patchRoutes, apps: summaries, hasOwnApps, notes };
}

function resolveSourceRoots(
  app: ArgoApp,
  source: AppSource,
  context: DeploymentContext,
  notes: string[],
): string[] {
  if (source.chart !== null) {
    notes.push(`source chart "${source.chart}" comes from a Helm repository, not from this repository`);
    return [];
  }
  if (source.path === null) return [];
  const repoUrlTemplated = source.repoURL === null || source.repoURL.includes("{{");
  if (
    !repoUrlTemplated &&
    context.repoUrl !== null &&
    normaliseRepoUrl(source.repoURL ?? "") !== context.repoUrl
  ) {
    return [];
  }
  const path = source.path.replace(/^\.?\/+/, "").replace(/\/+$/, "");
  if (!path.includes("{{")) {
    const root = path === "." ? "" : path;
    return context.tree.hasDirectory(root) ? [root] : [];
  }
  if (path.length > MAX_PATTERN_LENGTH) {
    notes.push(`templated path longer than ${MAX_PATTERN_LENGTH} characters was not matched`);
    return [];
  }
  const pattern = templatedPathMatcher(path, app, context.tree);
  const roots = [...context.tree.directories]
    .filter((dir) => pattern.test(dir) && isAppRoot(dir, context.tree))
    .sort();
  if (roots.length > 0)
    notes.push(`templated path "${source.path}" was matched against the repository's directories`);
  return roots;
}

/**
 * A templated source path as a matcher over directories. The git generator's `path` parameters expand to the
 * directories the generator matches (a set of words, matched as a trie); any other template expression may stand
 * for anything.
 */
function templatedPathMatcher(path: string, app: ArgoApp, tree: RepoTree): GlobMatcher {
  const generated = gitGeneratorDirectories(app, tree);
  const items: GlobNode[] = [];
  let last = 0;
  // indexOf, not a lazy RegExp: an unclosed `{{` repeated along the path must not rescan the rest each time.
  for (let open = path.indexOf("{{"); open !== -1; open = path.indexOf("{{", last)) {
    const close = path.indexOf("}}", open + 2);
    if (close === -1) break;
    if (open > last) items.push(literal(path.slice(last, open)));
    const expression = path
      .slice(open, close + 2)
      .replace(/[{}`\-\s]/g, "")
      .replace(/^\./, "");
    if (generated.length > 0 && /^path(\.path)?$/.test(expression)) {
      items.push({ t: "words", words: generated });
    } else if (generated.length > 0 && /^path\.basename$/.test(expression)) {
      items.push({ t: "words", words: [...new Set(generated.map(basename))] });
    } else if (items[items.length - 1]?.t !== "star") {
      items.push({ t: "star", test: anyChar });
    }
    last = close + 2;
  }
  items.push(literal(path.slice(last).replace(/\/+$/, "")));
  return new GlobMatcher({ t: "seq", items });
}

/** Directories an ApplicationSet's git generators produce (Go path.Match; exclusions win; dot-dirs skipped). */
function gitGeneratorDirectories(app: ArgoApp, tree: RepoTree): string[] {
  const matches = (
    patterns: { path: string; exclude: boolean }[],
    candidates: Iterable<string>,
  ): string[] => {
    const include = patterns.filter((p) => !p.exclude).map((p) => goPathMatcher(p.path));
    const exclude = patterns.filter((p) => p.exclude).map((p) => goPathMatcher(p.path));
    return [...candidates].filter(
      (candidate) =>
        include.some((re) => re?.test(candidate)) &&
        !exclude.some((re) => re?.test(candidate)) &&
        !candidate.split("/").some((segment) => segment.startsWith(".")),
    );
  };
  const directories = matches(app.gitGenerators.directories, tree.directories);
  const fileDirs = matches(app.gitGenerators.files, tree.files).map(dirname);
  return [...new Set([...directories, ...fileDirs])].sort();
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
