import picomatch from "picomatch";
import { DEFAULT_CONFIG, type Config } from "../config/schema.js";
import { RULES } from "../rules/index.js";
import type { FindingDraft, RuleContext, RuleModule } from "../rules/rule-module.js";
import { ANNOTATION } from "./argocd/annotations.js";
import { mapDeployedFiles, type DeploymentMap } from "./argocd/deployed-files.js";
import type { AnnotationPatch } from "./argocd/kustomize-patches.js";
import { isArgoApp, readArgoApp, type ArgoApp } from "./argocd/find-applications.js";
import { normaliseRepoUrl } from "./argocd/patterns.js";
import { ruleDocsUrl } from "./docs-url.js";
import { fingerprintOf } from "./fingerprint.js";
import { buildStrategyFix } from "./fix/strategy-fix.js";
import { applyEdits, editsConflict, unifiedDiff } from "./fix/text-edit.js";
import { deepEqual } from "./immutable/job-update.js";
import { buildJobView, isJob, type JobView } from "./jobs/job-view.js";
import { decodeManifest } from "./manifests/decode.js";
import {
  isRecord,
  parseManifestFile,
  type ManifestObject,
  type ParsedManifestFile,
  type ParseOutcome,
} from "./manifests/parse-manifests.js";
import { isManifestPath } from "./manifest-path.js";
import { RepoTree } from "./repo-tree.js";
import { suppressedRules } from "./suppression.js";
import { findPair, lineStart, locate } from "./manifests/yaml-nodes.js";
import type {
  DeployingApp,
  Finding,
  RepoFile,
  ScanResult,
  Severity,
  SkippedFile,
  SourceLocation,
  TextEdit,
} from "./types.js";

export interface ScanInput {
  /** Files whose content the engine may read. Application manifests anywhere in the repository should be here. */
  files: readonly RepoFile[];
  /** Every path of the repository (for directory and kustomize resolution); defaults to the paths of `files`. */
  tree?: readonly string[];
  /** This repository's URL (any git URL form); null when unknown. */
  repoUrl?: string | null;
  config?: Config;
  /** The base revision's text of changed files: turns on diff-aware rules (immutable-change). */
  baseFiles?: readonly RepoFile[];
  /** Report only on these files (a push's or pull request's changed files); default: all. */
  targets?: readonly string[];
  rules?: readonly RuleModule[];
  /** Called as files are analysed (the CLI draws a progress line on a terminal). */
  onProgress?: (done: number, total: number) => void;
}

/** Everything needed to scan one file again after a fix, without looking at the rest of the repository. */
interface FileContext {
  config: Config;
  rules: readonly RuleModule[];
  deployedBy: DeployingApp[] | null;
  /** The Kustomize patches of each route that deploys the file. */
  patchRoutes: readonly (readonly AnnotationPatch[])[];
  baseJobs: ReadonlyMap<string, JobView>;
}

/** A finding plus the identity of the object (and part of it) it is about, stable under our own edits. */
interface RawFinding extends Finding {
  objectKey: string;
  subject: string;
}

const MAX_FIX_PASSES = 10;

/**
 * The one entry of the engine: scans a repository's files and returns findings with verified fixes.
 * Pure: the caller reads files (disk, git, the GitHub API) and passes their content.
 * @example scanRepository({ files: [{ path: "job.yaml", content: "apiVersion: batch/v1\nkind: Job\nmetadata: {name: x}\n" }] })
 */
export function scanRepository(input: ScanInput): ScanResult {
  return analyse(input).result;
}

export interface FileFix {
  path: string;
  before: string;
  after: string;
  diff: string;
  /** The findings the fix resolves (as found on the original text). */
  resolved: Finding[];
}

/**
 * Applies every safe fix, in passes (a fix may bring up a finding with its own fix), and returns the changed files.
 * Suggestions are never applied.
 */
export function fixRepository(input: ScanInput): { result: ScanResult; fixes: FileFix[] } {
  const { result, texts, contexts } = analyse(input);
  const fixes: FileFix[] = [];
  const paths = [...new Set(result.findings.filter((f) => f.fix?.kind === "safe").map((f) => f.file))].sort();
  for (const path of paths) {
    const text = texts.get(path);
    const context = contexts.get(path);
    const outcome = text === undefined ? null : parseManifestFile(path, text);
    if (!outcome?.ok || !context) continue;
    const after = fixText(outcome.file, context);
    if (after === outcome.file.text) continue;
    const resolved = result.findings.filter((f) => f.file === path && f.fix?.kind === "safe");
    fixes.push({
      path,
      before: outcome.file.text,
      after,
      diff: unifiedDiff(path, outcome.file.text, after),
      resolved,
    });
  }
  return { result, fixes };
}

interface Analysis {
  result: ScanResult;
  /** Decoded text of every manifest file, for fixing later without reading again. */
  texts: ReadonlyMap<string, string>;
  contexts: ReadonlyMap<string, FileContext>;
}

/** Files that may hold an Application/ApplicationSet or say what a Kustomize directory deploys. */
const APP_TEXT = /\bkind:\s*["']?(Application|ApplicationSet)\b/;
const KUSTOMIZATION_FILE = /(^|\/)(kustomization\.ya?ml|Kustomization)$/;

/**
 * Two passes, so that memory holds one parsed file at a time and each file is parsed once: first the few files
 * that say what Argo CD deploys (found by a cheap text test), then every file, analysed and dropped.
 */
function analyse(input: ScanInput): Analysis {
  const config = input.config ?? DEFAULT_CONFIG;
  const rules = input.rules ?? RULES;
  const isIgnored = config.ignore.length > 0 ? picomatch(config.ignore, { dot: true }) : () => false;
  const tree = new RepoTree((input.tree ?? input.files.map((f) => f.path)).filter((p) => !isIgnored(p)));
  const skipped: SkippedFile[] = [];
  const scanned: string[] = [];
  const texts = new Map<string, string>();
  for (const file of input.files) {
    if (isIgnored(file.path) || !isManifestPath(file.path)) continue;
    const decoded = decodeManifest(file.content, config.limits.maxFileBytes);
    if (decoded.ok) texts.set(file.path, decoded.text);
    else skipped.push({ file: file.path, reason: decoded.reason });
  }

  const early = new Map<string, ParseOutcome>();
  const apps: ArgoApp[] = [];
  const appsByFile = new Map<string, AppObject[]>();
  for (const [path, text] of texts) {
    if (!KUSTOMIZATION_FILE.test(path) && !APP_TEXT.test(text)) continue;
    const outcome = parseManifestFile(path, text);
    early.set(path, outcome);
    if (!outcome.ok) continue;
    for (const object of outcome.file.objects) {
      if (!isArgoApp(object)) continue;
      const app = readArgoApp(outcome.file, object);
      apps.push(app);
      appsByFile.set(path, [...(appsByFile.get(path) ?? []), { object, app }]);
    }
  }
  const parsedEarly = new Map<string, ParsedManifestFile>();
  for (const [path, outcome] of early) if (outcome.ok) parsedEarly.set(path, outcome.file);
  const deployment = mapDeployedFiles(apps, {
    tree,
    parsed: parsedEarly,
    repoUrl: input.repoUrl ? normaliseRepoUrl(input.repoUrl) : null,
    readText: (path) => texts.get(path),
  });
  const deployedByOf = deploymentLookup(deployment, config);
  const baseJobs = input.baseFiles ? indexBaseJobs(input.baseFiles, config) : new Map<string, JobView>();
  const targets = input.targets ? new Set(input.targets) : null;

  const findings: Finding[] = [];
  const contexts = new Map<string, FileContext>();
  let done = 0;
  for (const [path, text] of texts) {
    input.onProgress?.(++done, texts.size);
    const outcome = early.get(path) ?? parseManifestFile(path, text, { onlyJobsAndApps: true });
    if (!outcome.ok) {
      skipped.push({ file: path, reason: outcome.reason });
      continue;
    }
    const file = outcome.file;
    scanned.push(path);
    skipped.push(...fileProblems(file));
    if (targets && !targets.has(path)) continue;
    const context: FileContext = {
      config,
      rules,
      deployedBy: deployedByOf(path),
      patchRoutes: deployment.patchRoutes.get(path) ?? [],
      baseJobs,
    };
    contexts.set(path, context);
    for (const finding of verifiedFindings(file, context, appsByFile.get(path) ?? []))
      findings.push(stripKey(finding));
  }
  findings.sort(
    (a, b) =>
      a.file.localeCompare(b.file) || a.location.line - b.location.line || a.rule.localeCompare(b.rule),
  );
  const notes = [...deployment.notes];
  const assumedAllDeployed = !deployment.hasOwnApps && config.paths.length === 0;
  if (assumedAllDeployed) {
    notes.push(
      "No Argo CD Application or ApplicationSet in this repository deploys from it, and no `paths` are configured: every manifest was assumed to be deployed by Argo CD.",
    );
  }
  const result: ScanResult = {
    findings,
    files: { scanned: scanned.sort(), skipped: skipped.sort((a, b) => a.file.localeCompare(b.file)) },
    apps: deployment.apps,
    assumedAllDeployed,
    notes,
  };
  return { result, texts, contexts };
}

interface AppObject {
  object: ManifestObject;
  app: ArgoApp;
}

/** Documents of an analysed file that could not be read, and Jobs without a name. */
function fileProblems(file: ParsedManifestFile): SkippedFile[] {
  const problems = file.problems.map((problem) => ({
    file: file.path,
    reason: `partly analysed: ${problem}`,
  }));
  for (const object of file.objects) {
    if (!isJob(object) || hasNameOrGenerateName(object)) continue;
    const line = file.lineCounter.linePos(object.node.range?.[0] ?? 0).line;
    problems.push({
      file: file.path,
      reason: `partly analysed: the Job at line ${line} has neither metadata.name nor metadata.generateName`,
    });
  }
  return problems;
}

function hasNameOrGenerateName(object: ManifestObject): boolean {
  const metadata = object.value.metadata;
  return (
    isRecord(metadata) && (typeof metadata.name === "string" || typeof metadata.generateName === "string")
  );
}

function deploymentLookup(
  deployment: DeploymentMap,
  config: Config,
): (path: string) => DeployingApp[] | null {
  if (deployment.hasOwnApps) return (path) => deployment.deployedBy.get(path) ?? null;
  if (config.paths.length > 0) {
    const include = config.paths.filter((p) => !p.startsWith("!"));
    const exclude = config.paths.filter((p) => p.startsWith("!")).map((p) => p.slice(1));
    const isIncluded = picomatch(include.length > 0 ? include : ["**"], { dot: true });
    const isExcluded = exclude.length > 0 ? picomatch(exclude, { dot: true }) : () => false;
    return (path) => (isIncluded(path) && !isExcluded(path) ? [] : null);
  }
  return () => [];
}

function jobIdentity(job: JobView): string | null {
  if (job.name === null || job.nameTemplated) return null;
  return `${job.namespace ?? ""}/${job.name}`;
}

/** Base Jobs by namespace and name, wherever they were: a Job moved between files is still the same Job. */
function indexBaseJobs(baseFiles: readonly RepoFile[], config: Config): Map<string, JobView> {
  const index = new Map<string, JobView>();
  for (const file of baseFiles) {
    if (!isManifestPath(file.path)) continue;
    const decoded = decodeManifest(file.content, config.limits.maxFileBytes);
    if (!decoded.ok) continue;
    const outcome = parseManifestFile(file.path, decoded.text);
    if (!outcome.ok) continue;
    for (const object of outcome.file.objects) {
      if (!isJob(object)) continue;
      const job = buildJobView(outcome.file, object, []);
      const identity = jobIdentity(job);
      if (identity) index.set(identity, job);
    }
  }
  return index;
}

function objectKeyOf(object: ManifestObject): string {
  return `${object.docIndex}:${object.itemIndex ?? "-"}`;
}

/** Findings of one file, each fix proven by re-scanning the fixed text (or withdrawn). */
function verifiedFindings(
  file: ParsedManifestFile,
  context: FileContext,
  apps: readonly AppObject[],
): RawFinding[] {
  const findings = rawFindings(file, context, apps);
  return findings.map((finding) => {
    if (!finding.fix) return finding;
    const checked = checkFix(file, context, findings, finding, finding.fix.edits);
    if ("problem" in checked)
      return { ...finding, fix: null, noFixReason: `no automatic fix: ${checked.problem}` };
    return { ...finding, fix: { ...finding.fix, diff: checked.diff } };
  });
}

/**
 * Re-scans the fixed text. Edits stay inside the finding's YAML document, so only that document is parsed again
 * (a fix re-parses a fifth of a five-document file, not all of it). Returns the fix's diff, or why it is withdrawn.
 */
function checkFix(
  file: ParsedManifestFile,
  context: FileContext,
  before: readonly RawFinding[],
  finding: RawFinding,
  edits: readonly TextEdit[],
): { diff: string } | { problem: string } {
  const object = file.objects.find((o) => objectKeyOf(o) === finding.objectKey);
  if (!object) return { problem: "the fixed object could not be found again" };
  const [start, end] = object.docRange;
  if (edits.some((e) => e.start < start || e.end > end))
    return { problem: "its edits reach outside the Job's document" };
  if (start !== lineStart(file.text, start))
    return { problem: "the document does not start on a line of its own" };
  const beforeText = file.text.slice(start, end);
  const applied = applyEdits(
    beforeText,
    edits.map((e) => ({ ...e, start: e.start - start, end: e.end - start })),
  );
  if (applied.rejected.length > 0) return { problem: "its edits overlap" };
  const outcome = parseManifestFile(file.path, applied.text);
  if (!outcome.ok) return { problem: `the fixed file would not parse (${outcome.reason})` };
  if (outcome.file.problems.length > 0)
    return { problem: `the fixed file would not parse (${outcome.file.problems.join("; ")})` };
  const beforeObjects = file.objects.filter((o) => o.docIndex === object.docIndex);
  const lost = lostContent(beforeObjects, outcome.file.objects);
  if (lost) return { problem: lost };
  // Inside the re-parsed document the object is document 0: compare findings by rule and item.
  const local = (f: RawFinding) => `${f.rule}@${f.objectKey.slice(f.objectKey.indexOf(":"))}#${f.subject}`;
  const sameDocument = before.filter((f) => f.objectKey.startsWith(`${object.docIndex}:`));
  const after = rawFindings(outcome.file, context, []);
  if (after.some((f) => local(f) === local(finding))) return { problem: "the finding remains after the fix" };
  const known = new Set(sameDocument.map(local));
  const unfixable = after.find((f) => !known.has(local(f)) && f.fix === null);
  if (unfixable) return { problem: `it would bring up ${unfixable.rule}, which has no fix` };
  const firstLine = file.lineCounter.linePos(start).line;
  return { diff: unifiedDiff(file.path, beforeText, applied.text, firstLine - 1) };
}

const EDITABLE_METADATA = new Set(["annotations", "name", "generateName"]);
/** The only annotations whose values a fix may change; every other one must come out as it went in. */
const FIXED_ANNOTATIONS = new Set<string>([
  ANNOTATION.hook,
  ANNOTATION.hookDeletePolicy,
  ANNOTATION.syncOptions,
  ANNOTATION.helmHookDeletePolicy,
]);

/** The fixed document must hold the same objects, changed only in metadata annotations and name/generateName. */
function lostContent(before: readonly ManifestObject[], after: readonly ManifestObject[]): string | null {
  if (before.length !== after.length) return "the fixed file would hold a different number of objects";
  for (let i = 0; i < before.length; i++) {
    const a = before[i]?.value ?? {};
    const b = after[i]?.value ?? {};
    const strip = (value: Record<string, unknown>) => {
      const metadata = isRecord(value.metadata) ? value.metadata : {};
      const kept = Object.fromEntries(Object.entries(metadata).filter(([k]) => !EDITABLE_METADATA.has(k)));
      return { ...value, metadata: kept };
    };
    if (!deepEqual(strip(a), strip(b)))
      return "the fix would change more than the Job's annotations and name";
    const annotationsBefore =
      isRecord(a.metadata) && isRecord(a.metadata.annotations) ? a.metadata.annotations : {};
    const annotationsAfter =
      isRecord(b.metadata) && isRecord(b.metadata.annotations) ? b.metadata.annotations : {};
    for (const [key, value] of Object.entries(annotationsBefore)) {
      if (!(key in annotationsAfter)) return `the fix would drop the annotation ${key}`;
      if (!FIXED_ANNOTATIONS.has(key) && !deepEqual(value, annotationsAfter[key])) {
        return `the fix would change the annotation ${key}`;
      }
    }
  }
  return null;
}

/** Applies safe fixes in passes until none is left (at most MAX_FIX_PASSES). */
function fixText(file: ParsedManifestFile, context: FileContext): string {
  let current = file;
  for (let pass = 0; pass < MAX_FIX_PASSES; pass++) {
    const findings = verifiedFindings(current, context, []);
    const edits = findings.flatMap((f) => (f.fix?.kind === "safe" ? [f.fix.edits] : []));
    if (edits.length === 0) break;
    // Fixes that touch the same text wait for the next pass, where they are computed again on the new text.
    const taken: TextEdit[] = [];
    for (const group of edits) if (!editsConflict(group, taken)) taken.push(...group);
    const text = applyEdits(current.text, taken).text;
    const outcome = parseManifestFile(file.path, text);
    if (!outcome.ok || text === current.text) break;
    current = outcome.file;
  }
  return current.text;
}

function rawFindings(
  file: ParsedManifestFile,
  context: FileContext,
  apps: readonly AppObject[],
): RawFinding[] {
  const { config, rules } = context;
  const ruleContext: RuleContext = {
    config,
    baseJobOf: (job) => {
      const identity = jobIdentity(job);
      return identity ? (context.baseJobs.get(identity) ?? null) : null;
    },
    strategyFix: (job, options) => buildStrategyFix(job, config, options),
  };
  const results: RawFinding[] = [];
  if (context.deployedBy !== null) {
    for (const object of file.objects) {
      if (!isJob(object)) continue;
      const job = buildJobView(file, object, context.deployedBy, context.patchRoutes);
      const suppressed = suppressedRules(file, object, job.annotations);
      const perJob: { rule: RuleModule; draft: FindingDraft }[] = [];
      for (const rule of rules) {
        if (!rule.checkJob || severityOf(rule, config) === null) continue;
        if (suppressed.has("all") || suppressed.has(rule.meta.id)) continue;
        for (const draft of rule.checkJob(ruleContext, job)) perJob.push({ rule, draft });
      }
      for (const { rule, draft } of keepMostSpecificOfFamily(perJob)) {
        results.push(
          toFinding(
            file,
            object,
            rule,
            { ...draft, message: draft.message + deploymentNote(job) + patchNote(job) },
            config,
            job.name ?? job.generateName,
            job.namespace,
            job.location,
          ),
        );
      }
    }
  }
  for (const { object, app } of apps) {
    for (const rule of rules) {
      if (!rule.checkApp || severityOf(rule, config) === null) continue;
      for (const draft of rule.checkApp(ruleContext, app)) {
        results.push(toFinding(file, object, rule, draft, config, app.name, null, null));
      }
    }
  }
  return results;
}

/** Findings on a Job whose annotations a Kustomize overlay changes say where the annotations came from. */
function patchNote(job: JobView): string {
  if (job.patchedDifferently) {
    return " (The Kustomize overlays that deploy it patch its annotations differently: only its own annotations were judged.)";
  }
  const { keys, sources } = job.patchedAnnotations;
  const relevant = [...keys].filter(
    (key) => key.startsWith("argocd.argoproj.io/") || key.startsWith("helm.sh/hook"),
  );
  if (relevant.length === 0) return "";
  return ` (${relevant.join(", ")} ${relevant.length === 1 ? "comes" : "come"} from the Kustomize patch in ${sources.join(", ")}.)`;
}

/** rules.md: a file deployed by several Applications is judged on the union of their sync options, and says so. */
function deploymentNote(job: JobView): string {
  const apps = job.deployedBy;
  if (apps.length < 2) return "";
  const differ = apps.some((app) => app.syncOptions.join(",") !== apps[0]?.syncOptions.join(","));
  const names = apps.map((app) => app.name).join(", ");
  return differ
    ? ` (Deployed by several Applications, ${names}, with different sync options: they were combined.)`
    : ` (Deployed by several Applications: ${names}.)`;
}

/** rules.md: one finding per Job from the plain-Job family, the most specific one. */
function keepMostSpecificOfFamily<T extends { rule: RuleModule }>(items: T[]): T[] {
  const ranks = items.map((item) => item.rule.meta.plainJobFamilyRank ?? 0);
  const top = Math.max(0, ...ranks);
  return items.filter((item, i) => (ranks[i] ?? 0) === 0 || ranks[i] === top);
}

function severityOf(rule: RuleModule, config: Config, draftSeverity?: Severity): Severity | null {
  const configured = config.rules[rule.meta.id];
  if (configured === "off") return null;
  return configured ?? draftSeverity ?? rule.meta.defaultSeverity;
}

function toFinding(
  file: ParsedManifestFile,
  object: ManifestObject,
  rule: RuleModule,
  draft: FindingDraft,
  config: Config,
  name: string | null,
  namespace: string | null,
  objectLocation: SourceLocation | null,
): RawFinding {
  const start = findPair(object.node, "kind")?.key?.range?.[0] ?? object.node.range?.[0] ?? 0;
  const location = draft.location ?? objectLocation ?? locate(file.lineCounter, start, start);
  const fix = "fix" in draft.fix ? draft.fix.fix : null;
  return {
    rule: rule.meta.id,
    severity: severityOf(rule, config, draft.severity) ?? rule.meta.defaultSeverity,
    file: file.path,
    location,
    kind: object.kind ?? "",
    name,
    namespace,
    message: draft.message,
    docsUrl: ruleDocsUrl(rule.meta.id),
    fix: fix ? { kind: fix.kind, description: fix.description, edits: fix.edits, diff: "" } : null,
    noFixReason: "noFixReason" in draft.fix ? draft.fix.noFixReason : null,
    fingerprint: fingerprintOf(
      rule.meta.id,
      file.path,
      object.kind ?? "",
      namespace ?? "",
      name ?? `#${objectKeyOf(object)}`,
      draft.subject ?? "",
    ),
    objectKey: objectKeyOf(object),
    subject: draft.subject ?? "",
  };
}

function stripKey(finding: RawFinding): Finding {
  const { objectKey: _objectKey, subject: _subject, ...rest } = finding;
  return rest;
}
