import { DEFAULT_CONFIG, type Config } from "../config/schema.js";
import { mapDeployedFiles, type DeploymentMap } from "./argocd/deployed-files.js";
import { isArgoApp, readArgoApp, type ArgoApp } from "./argocd/find-applications.js";
import { normaliseRepoUrl } from "./argocd/patterns.js";
import { configGlobTest } from "./glob.js";
import {
  jobIdentity,
  stripKey,
  type AppObject,
  type FileContext,
  type RecheckWork,
} from "./file-findings.js";
import { unifiedDiff } from "./fix/text-edit.js";
import { fixText, verifiedFindings } from "./fix/verify-fix.js";
import { buildJobView, isJob, type JobView } from "./jobs/job-view.js";
import { isManifestPath } from "./manifest-path.js";
import { decodeManifest } from "./manifests/decode.js";
import {
  isRecord,
  parseManifestFile,
  type ManifestObject,
  type ParsedManifestFile,
  type ParseOutcome,
} from "./manifests/parse-manifests.js";
import { dirname, RepoTree } from "./repo-tree.js";
import { declaredResources } from "./argocd/app-resources.js";
import type { RuleModule } from "./rule-api.js";
import type { DeployingApp, Finding, RepoFile, ScanResult, SkippedFile } from "./types.js";

export interface ScanInput {
  /** Files whose content the engine may read. Application manifests anywhere in the repository should be here. */
  files: readonly RepoFile[];
  /** Every path of the repository (for directory and kustomize resolution); defaults to the paths of `files`. */
  tree?: readonly string[];
  /** Manifests the reader did not read, and why (a symbolic link): reported as skipped, unless ignored. */
  unread?: readonly SkippedFile[];
  /** This repository's URL (any git URL form); null when unknown. */
  repoUrl?: string | null;
  config?: Config;
  /** The base revision's text of changed files: turns on diff-aware rules (immutable-change). */
  baseFiles?: readonly RepoFile[];
  /** Report only on these files (a push's or pull request's changed files); default: all. */
  targets?: readonly string[];
  /**
   * Fixes a person declined (closed their fix pull request unmerged): `fixRepository` leaves out the fix of each
   * finding with this fingerprint while its Job is unchanged (same object digest). The findings are still reported.
   */
  declinedFixes?: readonly DeclinedFix[];
  /** The rules to run: the adapters pass the registry (src/rules/index.ts); the engine knows no rule by name. */
  rules: readonly RuleModule[];
  /** Called as files are analysed (the CLI draws a progress line on a terminal). */
  onProgress?: (done: number, total: number) => void;
  /** Counts what fix verification parses again: tests and bench/engine.js bound the work by it, not by time. */
  recheckWork?: RecheckWork;
}

/**
 * The one entry of the engine: scans a repository's files and returns findings with verified fixes.
 * Pure: the caller reads files (disk, git, the GitHub API) and passes their content.
 * @example scanRepository({ files: [{ path: "job.yaml", content: "apiVersion: batch/v1\nkind: Job\nmetadata: {name: x}\n" }] })
 */
export function scanRepository(input: ScanInput): ScanResult {
  return analyse(input).result;
}

export interface DeclinedFix {
  fingerprint: string;
  objectDigest: string;
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
  // Decided once, on the text as it is: a later pass sees the Job already changed by its other fixes.
  const declinedPairs = new Set((input.declinedFixes ?? []).map((d) => `${d.fingerprint}:${d.objectDigest}`));
  const declined = new Set(
    result.findings
      .filter((f) => declinedPairs.has(`${f.fingerprint}:${f.objectDigest}`))
      .map((f) => f.fingerprint),
  );
  const fixable = result.findings.filter((f) => f.fix?.kind === "safe" && !declined.has(f.fingerprint));
  const paths = [...new Set(fixable.map((f) => f.file))].sort();
  for (const path of paths) {
    const text = texts.get(path);
    const context = contexts.get(path);
    const outcome = text === undefined ? null : parseManifestFile(path, text);
    if (!outcome?.ok || !context) continue;
    const after = fixText(outcome.file, context, declined);
    if (after === outcome.file.text) continue;
    const resolved = fixable.filter((f) => f.file === path);
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
  const rules = input.rules;
  const isIgnored = configGlobTest(config.ignore);
  const tree = new RepoTree((input.tree ?? input.files.map((f) => f.path)).filter((p) => !isIgnored(p)));
  const skipped: SkippedFile[] = (input.unread ?? []).filter((file) => !isIgnored(file.file));
  const scanned: string[] = [];
  const texts = new Map<string, string>();
  for (const file of input.files) {
    if (isIgnored(file.path) || !isManifestPath(file.path)) continue;
    const decoded = decodeManifest(file.content, config.limits.maxFileBytes, file.size);
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
  const ownResourcesOf = ownResourcesLookup(deployment, texts);
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
      ownResources: () => ownResourcesOf(path),
      recheckWork: input.recheckWork,
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
    const named = deployment.otherRepositories;
    if (named.length > 0) {
      const shown = named.slice(0, 5).map((url) => `\`${url}\``);
      const more = named.length > shown.length ? ` and ${named.length - shown.length} more` : "";
      notes.push(
        `The Applications here deploy from ${shown.join(", ")}${more}, which ${named.length === 1 ? "is" : "are"} not this repository${input.repoUrl ? ` (\`${input.repoUrl}\`)` : ""}. If ${named.length === 1 ? "it is" : "one of them is"} this repository, scan with \`--repo-url ${named[0] ?? ""}\` (CLI), or set \`paths\` in the configuration.`,
      );
    }
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
    const isIncluded = configGlobTest(include.length > 0 ? include : ["**"]);
    const isExcluded = configGlobTest(exclude);
    return (path) => (isIncluded(path) && !isExcluded(path) ? [] : null);
  }
  return () => [];
}

/**
 * What each Job's own Application creates in the Sync phase: the objects declared in the files its Applications
 * deploy, or, where no Application says what is deployed, in the Job's own directory.
 */
function ownResourcesLookup(
  deployment: DeploymentMap,
  texts: ReadonlyMap<string, string>,
): (path: string) => ReadonlySet<string> {
  // Built on the first Job that asks: a repository without Jobs never pays for the line scan.
  let byApp: Map<DeployingApp, Set<string>> | null = null;
  const appResources = (app: DeployingApp): ReadonlySet<string> => {
    if (byApp === null) {
      byApp = new Map();
      for (const [file, apps] of deployment.deployedBy) {
        const text = texts.get(file);
        if (text === undefined) continue;
        const declared = declaredResources(text);
        for (const deploying of apps) {
          const set = byApp.get(deploying) ?? new Set<string>();
          declared.forEach((resource) => set.add(resource));
          byApp.set(deploying, set);
        }
      }
    }
    return byApp.get(app) ?? new Set();
  };
  let byDirectory: Map<string, Set<string>> | null = null;
  const directoryResources = (dir: string): ReadonlySet<string> => {
    if (byDirectory === null) {
      byDirectory = new Map();
      for (const [file, text] of texts) {
        const set = byDirectory.get(dirname(file)) ?? new Set<string>();
        declaredResources(text).forEach((resource) => set.add(resource));
        byDirectory.set(dirname(file), set);
      }
    }
    return byDirectory.get(dir) ?? new Set();
  };
  return (path) => {
    const apps = deployment.deployedBy.get(path);
    if (!apps || apps.length === 0) return directoryResources(dirname(path));
    return new Set(apps.flatMap((app) => [...appResources(app)]));
  };
}

/** Base Jobs by namespace and name, wherever they were: a Job moved between files is still the same Job. */
function indexBaseJobs(baseFiles: readonly RepoFile[], config: Config): Map<string, JobView> {
  const index = new Map<string, JobView>();
  for (const file of baseFiles) {
    if (!isManifestPath(file.path)) continue;
    const decoded = decodeManifest(file.content, config.limits.maxFileBytes, file.size);
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
