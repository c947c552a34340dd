/**
 * Resolves a templated source path (`{{values.root}}/{{.path.basename}}`, `apps/${ARGOCD_ENV_TEAM}`) to repository
 * directories, from the parameters the repository states. Known parts are literal; each unknown part stands for
 * exactly one path segment (`[^/]*`), between the literal segments around it, so an unknown part never widens a path
 * to the whole repository, and a path with no literal part resolves to nothing.
 */
import { parse as parseYaml } from "yaml";
import { GlobMatcher, literal, MAX_PATTERN_LENGTH, notSlash, type GlobNode } from "../glob.js";
import { dirname, joinRepoPath, type RepoTree } from "../repo-tree.js";
import { isRecord, type ParsedManifestFile } from "../manifests/parse-manifests.js";
import type { PathResolution } from "../types.js";
import type { ArgoApp } from "./find-applications.js";
import { deepMerge, generatorParams, maskedToUnknown } from "./generator-params.js";
import {
  paramsInScope,
  renderTemplate,
  toTemplateValue,
  UNKNOWN,
  UNKNOWN_MARK,
  type TemplateParams,
  type TemplateValue,
} from "./template-eval.js";

/** All partly known renderings of one path together; past it, the rest are left out and a note says so. */
const MAX_TOTAL_PATTERN_LENGTH = 64 * MAX_PATTERN_LENGTH;
const KUSTOMIZATION_FILES = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

export interface TemplatedPathContext {
  tree: RepoTree;
  parsed: ReadonlyMap<string, ParsedManifestFile>;
  readText: (path: string) => string | undefined;
  /** Whether a directory is something Argo CD can deploy (chart, kustomization, manifests). */
  isAppRoot: (dir: string) => boolean;
  /** Each chart's values roots, read once however many Applications its templates hold. */
  chartValues: Map<string, Record<string, TemplateValue>[]>;
}

export interface ResolvedPath {
  roots: string[];
  resolution: PathResolution;
  note: string;
}

/** The parameter sets an app's templated fields are rendered with, and where they came from. */
export interface AppParams {
  sets: TemplateParams[];
  goTemplate: boolean;
  from: string[];
  capped: boolean;
}

export function appParams(app: ArgoApp, context: TemplatedPathContext): AppParams {
  if (app.kind === "ApplicationSet") {
    const overridable = builtFromOverriddenBase(app.file, context);
    const generated = generatorParams(maskedToUnknown(app.generators), {
      tree: context.tree,
      readText: context.readText,
      goTemplate: app.goTemplate,
      overridable,
    });
    if (overridable) generated.from.push("values a Kustomize overlay may replace (one segment each)");
    return {
      sets: generated.sets,
      goTemplate: app.goTemplate,
      from: generated.from,
      capped: generated.capped,
    };
  }
  const chart = app.helmScope ? chartOf(app.file, context.tree) : null;
  if (chart !== null && app.helmScope) {
    let roots = context.chartValues.get(chart);
    if (!roots) {
      roots = chartValueRoots(chart, context);
      context.chartValues.set(chart, roots);
    }
    const sets = roots.flatMap((root) => paramsInScope(app.helmScope ?? [], root));
    return { sets, goTemplate: true, from: [`the values files of chart ${chart || "."}`], capped: false };
  }
  return {
    sets: [{ nested: {}, flat: new Map(), dot: UNKNOWN, open: true }],
    goTemplate: true,
    from: [],
    capped: false,
  };
}

/** Renders a templated path with each set and finds the directories it names. */
export function resolveTemplatedPath(
  path: string,
  params: AppParams,
  context: TemplatedPathContext,
): ResolvedPath {
  const literalDirs = new Set<string>();
  const partial: GlobNode[] = [];
  const unknownParts = new Set<string>();
  let patternLength = 0;
  let truncated = params.capped;
  let control = false;
  const seen = new Set<string>();
  for (const set of params.sets) {
    const rendering = renderTemplate(path, set, params.goTemplate);
    if (rendering.control) control = true;
    const text = normalisePath(rendering.text);
    if (seen.has(text)) continue;
    seen.add(text);
    rendering.unknown.forEach((part) => unknownParts.add(part));
    if (!text.includes(UNKNOWN_MARK)) {
      if (context.tree.hasDirectory(text) && context.isAppRoot(text)) literalDirs.add(text);
      continue;
    }
    // Nothing literal left (every segment unknown): it names no directory in particular.
    if (text.replaceAll(UNKNOWN_MARK, "").replaceAll("/", "") === "") continue;
    if (patternLength + text.length > MAX_TOTAL_PATTERN_LENGTH) {
      truncated = true;
      continue;
    }
    patternLength += text.length;
    partial.push(pathNode(text));
  }
  const roots = new Set(literalDirs);
  if (partial.length > 0) {
    const matcher = new GlobMatcher(
      partial.length === 1 ? (partial[0] as GlobNode) : { t: "alt", options: partial },
    );
    for (const dir of context.tree.directories) {
      // An unknown last part may be empty: `base/{{x}}` with x = "" is `base/`.
      if ((matcher.test(dir) || matcher.test(`${dir}/`)) && context.isAppRoot(dir)) roots.add(dir);
    }
  }
  const from = params.from.length > 0 ? ` from ${params.from.join(", ")}` : "";
  const unknown = [...unknownParts].slice(0, 5).join(", ");
  const capped = truncated ? " (only the first renderings were evaluated)" : "";
  let resolution: PathResolution;
  let note: string;
  if (partial.length > 0) {
    resolution = "partial";
    note = `path "${path}" partly resolved${from}: ${unknown || "a part"} unknown, each unknown part matched as one path segment${capped}`;
  } else if (seen.size > 0 && !control && [...seen].some((text) => !text.includes(UNKNOWN_MARK))) {
    resolution = "evaluated";
    note = `path "${path}" evaluated${from}${capped}`;
  } else {
    resolution = "unresolved";
    note =
      params.sets.length === 0
        ? `path "${path}": the generators produce no parameters from this repository, so no Application`
        : `path "${path}" could not be resolved (${unknown || "a control action"} unknown): nothing from this repository is counted as deployed by it`;
  }
  if (control && resolution !== "unresolved") {
    resolution = "partial";
  }
  return { roots: [...roots].sort(), resolution, note };
}

function normalisePath(text: string): string {
  return text
    .replace(/^(\.\/)+/, "")
    .replace(/^\/+/, "")
    .replace(/\/+$/, "")
    .replace(/^\.$/, "");
}

/** Literal text, with each run of unknown marks as one segment's worth of any characters but `/`. */
function pathNode(text: string): GlobNode {
  const items: GlobNode[] = [];
  let last = 0;
  for (let mark = text.indexOf(UNKNOWN_MARK); mark !== -1; mark = text.indexOf(UNKNOWN_MARK, last)) {
    if (mark > last) items.push(literal(text.slice(last, mark)));
    if (items[items.length - 1]?.t !== "star") items.push({ t: "star", test: notSlash });
    last = mark + 1;
  }
  if (last < text.length) items.push(literal(text.slice(last)));
  return { t: "seq", items };
}

/** The chart whose `templates/` holds `file`, if any ("" for a chart at the repository root). */
function chartOf(file: string, tree: RepoTree): string | null {
  const parts = file.split("/");
  for (let i = parts.length - 2; i >= 0; i--) {
    if (parts[i] !== "templates") continue;
    const chart = parts.slice(0, i).join("/");
    if (tree.hasFile(chart === "" ? "Chart.yaml" : `${chart}/Chart.yaml`)) return chart;
  }
  return null;
}

/**
 * The roots a chart's templates are rendered with: `.Values` from values.yaml, and from values.yaml overlaid with
 * each `values-<env>.yaml` beside it (the environments an Application picks with `valueFiles`).
 */
function chartValueRoots(chart: string, context: TemplatedPathContext): Record<string, TemplateValue>[] {
  const prefix = chart === "" ? "" : `${chart}/`;
  const read = (path: string): Record<string, TemplateValue> => {
    const text = context.readText(path);
    if (text === undefined) return {};
    try {
      const value = toTemplateValue(parseYaml(text, { maxAliasCount: 100 }) as unknown);
      return typeof value === "object" && value !== null && !Array.isArray(value) ? value : {};
    } catch {
      return {};
    }
  };
  const base = read(`${prefix}values.yaml`);
  const variants = context.tree
    .filesIn(chart, false)
    .filter((file) => /^values[-.][^/]+\.ya?ml$/.test(file.slice(prefix.length)))
    .map((file) => deepMerge(base, read(file)));
  const facts = { Release: UNKNOWN, Chart: UNKNOWN, Capabilities: UNKNOWN, Template: UNKNOWN } as const;
  return [base, ...variants].map((values) => ({ ...facts, Values: values }));
}

/**
 * An ApplicationSet that a kustomization in a base lists (a `base` directory, or one another kustomization uses) is
 * patched by overlays before Argo CD reads it: its generator values are only defaults.
 */
function builtFromOverriddenBase(file: string, context: TemplatedPathContext): boolean {
  const dir = dirname(file);
  const kustomization = KUSTOMIZATION_FILES.map((name) => (dir === "" ? name : `${dir}/${name}`)).find(
    (path) => context.tree.hasFile(path),
  );
  if (!kustomization) return false;
  const value = context.parsed.get(kustomization)?.objects[0]?.value;
  const resources = isRecord(value) && Array.isArray(value.resources) ? value.resources : [];
  const name = file.slice(dir === "" ? 0 : dir.length + 1);
  if (!resources.some((entry) => typeof entry === "string" && joinRepoPath(dir, entry) === file)) {
    if (!resources.includes(name)) return false;
  }
  if (dir.split("/").some((part) => part === "base" || part === "bases")) return true;
  for (const [path, parsed] of context.parsed) {
    if (path === kustomization) continue;
    const other = parsed.objects[0]?.value;
    if (!isRecord(other)) continue;
    const entries = ["resources", "bases", "components"].flatMap((key) =>
      Array.isArray(other[key]) ? (other[key] as unknown[]) : [],
    );
    if (entries.some((entry) => typeof entry === "string" && joinRepoPath(dirname(path), entry) === dir))
      return true;
  }
  return false;
}
