/**
 * The parameter sets an ApplicationSet's generators produce, as far as the repository says them (argo-cd
 * applicationset/generators: list.go, cluster.go, git.go, matrix.go, merge.go). What only the cluster knows (cluster
 * names, labels, annotations, an SCM provider's repositories) is left out: a template that reads it gets an unknown
 * part. Each set carries both shapes Argo CD renders with: nested data for `goTemplate: true`, flat dotted keys for
 * the legacy syntax.
 */
import { parse as parseYaml } from "yaml";
import { PLACEHOLDER } from "../manifests/helm-mask.js";
import { basename, dirname, type RepoTree } from "../repo-tree.js";
import { goPathMatcher } from "./patterns.js";
import {
  flattenParams,
  isTemplated,
  toTemplateValue,
  UNKNOWN,
  UNKNOWN_MARK,
  type TemplateParams,
  type TemplateValue,
} from "./template-eval.js";

/** Past this many sets (a matrix of two large generators), the rest are not evaluated and a note says so. */
export const MAX_PARAM_SETS = 500;
const MAX_GENERATOR_DEPTH = 4;

export interface GeneratorContext {
  tree: RepoTree;
  readText: (path: string) => string | undefined;
  goTemplate: boolean;
  /**
   * The ApplicationSet is built by Kustomize from a base that overlays patch: a value written as one path segment
   * (an environment, a cluster directory) may be replaced there, so it counts as one unknown segment.
   */
  overridable: boolean;
}

export interface GeneratedParams {
  sets: TemplateParams[];
  /** What the sets were read from ("list elements", "cluster values", "git directories"…), for the output. */
  from: string[];
  capped: boolean;
}

interface Accumulator {
  from: Set<string>;
  capped: boolean;
}

export function generatorParams(generators: unknown, context: GeneratorContext): GeneratedParams {
  const accumulator: Accumulator = { from: new Set(), capped: false };
  const sets = Array.isArray(generators)
    ? generators.flatMap((generator) => paramsOf(generator, context, accumulator, 0))
    : [];
  if (sets.length > MAX_PARAM_SETS) accumulator.capped = true;
  return { sets: sets.slice(0, MAX_PARAM_SETS), from: [...accumulator.from], capped: accumulator.capped };
}

/** A set only the cluster could fill in: every field is unknown. */
const openSet = (): TemplateParams => ({ nested: {}, flat: new Map(), dot: UNKNOWN, open: true });

function paramsOf(
  generator: unknown,
  context: GeneratorContext,
  accumulator: Accumulator,
  depth: number,
): TemplateParams[] {
  if (!isObject(generator) || depth > MAX_GENERATOR_DEPTH) return [openSet()];
  if (isObject(generator.list)) return listParams(generator.list, context, accumulator);
  if (isObject(generator.clusters)) return clusterParams(generator.clusters, context, accumulator);
  if (isObject(generator.git)) return gitParams(generator.git, context, accumulator);
  if (isObject(generator.matrix)) {
    accumulator.from.add("matrix");
    const children = childGenerators(generator.matrix);
    let product: TemplateParams[] = [{ nested: {}, flat: new Map() }];
    for (const child of children) {
      const sets = paramsOf(child, context, accumulator, depth + 1);
      const next: TemplateParams[] = [];
      for (const left of product) {
        for (const right of sets) {
          if (next.length >= MAX_PARAM_SETS) {
            accumulator.capped = true;
            break;
          }
          next.push(combine(left, right));
        }
      }
      product = next;
    }
    return product;
  }
  if (isObject(generator.merge)) {
    accumulator.from.add("merge");
    const keys = Array.isArray(generator.merge.mergeKeys)
      ? generator.merge.mergeKeys.filter((key): key is string => typeof key === "string")
      : [];
    const [base, ...others] = childGenerators(generator.merge).map((child) =>
      paramsOf(child, context, accumulator, depth + 1),
    );
    let result = base ?? [];
    for (const other of others) result = mergeSets(result, other, keys, context.goTemplate);
    return result;
  }
  // scmProvider, pullRequest, clusterDecisionResource, plugin…: only the cluster knows their output.
  accumulator.from.add("a generator whose output only the cluster knows");
  return [openSet()];
}

function childGenerators(node: Record<string, unknown>): unknown[] {
  return Array.isArray(node.generators) ? node.generators : [];
}

function listParams(list: Record<string, unknown>, context: GeneratorContext, accumulator: Accumulator) {
  accumulator.from.add("list elements");
  const elements = Array.isArray(list.elements) ? list.elements : [];
  const sets: TemplateParams[] = [];
  for (const element of elements) {
    // Argo CD unmarshals each element into a map: anything else is an error and generates nothing.
    if (!isObject(element)) continue;
    const value = overridden(element, context) as Record<string, unknown>;
    const flat = new Map<string, string>();
    for (const [key, item] of Object.entries(value)) {
      if (key === "values" && isObject(item)) {
        for (const [name, inner] of Object.entries(item))
          if (typeof inner === "string") flat.set(`values.${name}`, inner);
      } else if (typeof item === "string") {
        flat.set(key, item);
      }
    }
    sets.push({ nested: asNested(value), flat });
  }
  if (typeof list.elementsYaml === "string") {
    accumulator.from.add("a templated elementsYaml");
    sets.push(openSet());
  }
  return sets;
}

function clusterParams(
  clusters: Record<string, unknown>,
  context: GeneratorContext,
  accumulator: Accumulator,
) {
  accumulator.from.add("cluster values");
  const values = isObject(clusters.values) ? clusters.values : {};
  // name, server and the Secret's labels and annotations are the cluster's: unknown.
  const clusterFacts: TemplateParams = {
    nested: {
      name: UNKNOWN,
      nameNormalized: UNKNOWN,
      server: UNKNOWN,
      metadata: { labels: UNKNOWN, annotations: UNKNOWN },
    },
    flat: new Map(),
  };
  const nestedValues: Record<string, TemplateValue> = {};
  const flat = new Map<string, string>();
  for (const [key, raw] of Object.entries(overridden(values, context) as Record<string, unknown>)) {
    if (typeof raw !== "string") continue;
    // A value may itself be a template over the cluster's facts (argo-cd cluster.go replaceTemplatedString).
    const rendered = isTemplated(raw) ? UNKNOWN_MARK : raw;
    nestedValues[key] = rendered;
    flat.set(`values.${key}`, rendered);
  }
  return [{ nested: { ...clusterFacts.nested, values: nestedValues }, flat, open: true }];
}

function gitParams(git: Record<string, unknown>, context: GeneratorContext, accumulator: Accumulator) {
  const patterns = (key: "directories" | "files") =>
    (Array.isArray(git[key]) ? git[key] : [])
      .filter(isObject)
      .filter((entry) => typeof entry.path === "string")
      .map((entry) => ({
        path: entry.path as string,
        exclude: entry.exclude === true || entry.exclude === "true",
      }));
  const directories = patterns("directories");
  const files = patterns("files");
  // A pattern templated by an outer matrix generator: which directories it names is not known here.
  if ([...directories, ...files].some((entry) => isTemplated(entry.path))) {
    accumulator.from.add("a templated git generator");
    return [openSet()];
  }
  const sets: TemplateParams[] = [];
  if (directories.length > 0) {
    accumulator.from.add("git directories");
    for (const dir of matching(directories, context.tree.directories)) sets.push(pathParams(dir, null));
  }
  if (files.length > 0) {
    accumulator.from.add("git files");
    for (const file of matching(files, context.tree.files)) {
      const contents = fileContents(file, context);
      // A file the reader did not hand over (the App's fallback reads): its parameters are unknown, not absent.
      if (contents === null) sets.push({ ...pathParams(dirname(file), { file, content: {} }), open: true });
      else for (const content of contents) sets.push(pathParams(dirname(file), { file, content }));
    }
  }
  return sets;
}

/** Go path.Match over the candidates; exclusions win; directories starting with `.` are skipped (git.go). */
function matching(patterns: { path: string; exclude: boolean }[], candidates: Iterable<string>): string[] {
  const include = patterns.filter((p) => !p.exclude).map((p) => goPathMatcher(p.path));
  const exclude = patterns.filter((p) => p.exclude).map((p) => goPathMatcher(p.path));
  return [...candidates]
    .filter(
      (candidate) =>
        candidate !== "" &&
        include.some((m) => m?.test(candidate)) &&
        !exclude.some((m) => m?.test(candidate)) &&
        !candidate.split("/").some((segment) => segment.startsWith(".")),
    )
    .sort();
}

/** A git files generator reads each matched JSON/YAML file; a YAML list gives one set per item. */
function fileContents(file: string, context: GeneratorContext): Record<string, unknown>[] | null {
  const text = context.readText(file);
  if (text === undefined) return null;
  try {
    const value: unknown = parseYaml(text, { maxAliasCount: 100 });
    if (Array.isArray(value)) return value.filter(isObject);
    return isObject(value) ? [value] : [];
  } catch {
    return [];
  }
}

function pathParams(
  dir: string,
  file: { file: string; content: Record<string, unknown> } | null,
): TemplateParams {
  const segments = dir.split("/");
  const path: Record<string, TemplateValue> = {
    path: dir,
    basename: basename(dir),
    basenameNormalized: normalize(basename(dir)),
    segments,
  };
  if (file) {
    path.filename = basename(file.file);
    path.filenameNormalized = normalize(basename(file.file));
  }
  const flat = file ? flattenParams(file.content) : new Map<string, string>();
  for (const [key, value] of Object.entries(path)) {
    if (typeof value === "string") flat.set(key === "path" ? "path" : `path.${key}`, value);
  }
  segments.forEach((segment, index) => flat.set(`path[${index}]`, segment));
  const nested: Record<string, TemplateValue> = file ? asNested(file.content) : {};
  nested.path = path;
  return { nested, flat };
}

/** argo-cd utils SanitizeName: lower case, anything but [a-z0-9.-] becomes `-`, trimmed of `-` and `.`. */
function normalize(name: string): string {
  let out = "";
  for (const ch of name.toLowerCase()) out += /[a-z0-9.-]/.test(ch) ? ch : "-";
  let start = 0;
  let end = out.length;
  while (start < end && "-.".includes(out[start] ?? "")) start++;
  while (end > start && "-.".includes(out[end - 1] ?? "")) end--;
  return out.slice(start, end);
}

function combine(left: TemplateParams, right: TemplateParams): TemplateParams {
  return {
    nested: deepMerge(left.nested, right.nested),
    flat: new Map([...left.flat, ...right.flat]),
    open: left.open === true || right.open === true,
  };
}

/** merge.go: a set of a later generator overrides the base sets whose merge keys equal its own. */
function mergeSets(
  base: TemplateParams[],
  other: TemplateParams[],
  keys: string[],
  goTemplate: boolean,
): TemplateParams[] {
  if (keys.length === 0) return base;
  const keyOf = (set: TemplateParams, key: string): string | null => {
    const value = goTemplate ? nestedKey(set.nested, key) : set.flat.get(key);
    return typeof value === "string" && !value.includes(UNKNOWN_MARK) ? value : null;
  };
  const result: TemplateParams[] = [];
  for (const set of base) {
    const known = keys.map((key) => keyOf(set, key));
    if (known.every((value) => value !== null)) {
      const match = other.find((candidate) => keys.every((key, i) => keyOf(candidate, key) === known[i]));
      result.push(match ? combine(set, match) : set);
      continue;
    }
    // A base set whose merge key only the cluster knows (a cluster's name) may match any of the others, or none.
    result.push(set);
    for (const candidate of other) {
      if (result.length >= MAX_PARAM_SETS) break;
      result.push(combine(set, candidate));
    }
  }
  return result;
}

function nestedKey(nested: Record<string, TemplateValue>, key: string): TemplateValue | undefined {
  let current: TemplateValue | undefined = nested;
  for (const part of key.split(".")) {
    if (current === undefined || current === null || current === UNKNOWN) return UNKNOWN;
    if (typeof current !== "object" || Array.isArray(current)) return undefined;
    current = current[part];
  }
  return current;
}

export function deepMerge(
  left: Record<string, TemplateValue>,
  right: Record<string, TemplateValue>,
): Record<string, TemplateValue> {
  const out: Record<string, TemplateValue> = { ...left };
  for (const [key, value] of Object.entries(right)) {
    const existing = out[key];
    out[key] = isPlainValueMap(existing) && isPlainValueMap(value) ? deepMerge(existing, value) : value;
  }
  return out;
}

function isPlainValueMap(value: TemplateValue | undefined): value is Record<string, TemplateValue> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Values an overlay may replace count as unknown, except those that are paths themselves. */
function overridden(value: unknown, context: GeneratorContext): unknown {
  if (!context.overridable) return value;
  if (typeof value === "string") return value.includes("/") ? value : UNKNOWN_MARK;
  if (Array.isArray(value)) return value.map((item) => overridden(item, context));
  if (isObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = overridden(item, context);
    return out;
  }
  return value;
}

function asNested(value: Record<string, unknown>): Record<string, TemplateValue> {
  const converted = toTemplateValue(maskedToUnknown(value));
  return isPlainValueMap(converted) ? converted : {};
}

/** Values hidden by Helm masking (an ApplicationSet inside a chart's templates) are unknown. */
export function maskedToUnknown(value: unknown, depth = 0): unknown {
  if (depth > 32) return UNKNOWN;
  if (typeof value === "string")
    return value.includes(PLACEHOLDER) ? value.replace(/\u00a7+/g, UNKNOWN_MARK) : value;
  if (Array.isArray(value)) return value.map((item) => maskedToUnknown(item, depth + 1));
  if (isObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = maskedToUnknown(item, depth + 1);
    return out;
  }
  return value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
