import type { Config } from "../config/schema.js";
import type { AnnotationPatch } from "./argocd/kustomize-patches.js";
import type { ArgoApp } from "./argocd/find-applications.js";
import { ruleDocsUrl } from "./docs-url.js";
import { digestOf, fingerprintOf } from "./fingerprint.js";
import { isScalar } from "yaml";
import { annotationEdits, noEditReason, patchedReason } from "./fix/annotation-edits.js";
import { replaceScalar } from "./fix/edit-builders.js";
import { buildStrategyFix, hookPhaseFor } from "./fix/strategy-fix.js";
import { annotationValueNode, buildJobView, isJob, type JobView } from "./jobs/job-view.js";
import type { ManifestObject, ParsedManifestFile } from "./manifests/parse-manifests.js";
import { findPair, locate } from "./manifests/yaml-nodes.js";
import {
  formatMessage,
  type FindingDraft,
  type RuleContext,
  type RuleFixer,
  type RuleModule,
} from "./rule-api.js";
import { suppressedRules } from "./suppression.js";
import type { DeployingApp, Finding, Severity, SourceLocation } from "./types.js";

/**
 * The findings of one file, as the rules report them (before fixes are verified): the part of a scan that is run
 * again on a fixed document.
 */

/** Everything needed to scan one file again after a fix, without looking at the rest of the repository. */
export interface FileContext {
  config: Config;
  rules: readonly RuleModule[];
  deployedBy: DeployingApp[] | null;
  /** The Kustomize patches of each route that deploys the file. */
  patchRoutes: readonly (readonly AnnotationPatch[])[];
  baseJobs: ReadonlyMap<string, JobView>;
  /** `Kind/name` of the objects the file's Applications create in the Sync phase (see app-resources.ts). */
  ownResources: () => ReadonlySet<string>;
  /** Counts the parses of fix verification (see ScanInput.recheckWork). */
  recheckWork?: RecheckWork | undefined;
}

/** How many times, and how many bytes, fix verification parsed again. */
export interface RecheckWork {
  parses: number;
  bytes: number;
}

/** A finding plus the identity of the object (and part of it) it is about, stable under our own edits. */
export interface RawFinding extends Finding {
  objectKey: string;
  subject: string;
}

export interface AppObject {
  object: ManifestObject;
  app: ArgoApp;
}

export function jobIdentity(job: JobView): string | null {
  if (job.name === null || job.nameTemplated) return null;
  return `${job.namespace ?? ""}/${job.name}`;
}

export function objectKeyOf(object: ManifestObject): string {
  return `${object.docIndex}:${object.itemIndex ?? "-"}`;
}

export function rawFindings(
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
    fixer: fixerFor(config),
  };
  const results: RawFinding[] = [];
  if (context.deployedBy !== null) {
    for (const object of file.objects) {
      if (!isJob(object)) continue;
      const job = buildJobView(file, object, context.deployedBy, context.patchRoutes, context.ownResources());
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
            draft,
            deploymentNote(job) + patchNote(job),
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
        results.push(toFinding(file, object, rule, draft, "", config, app.name, null, null));
      }
    }
  }
  return results;
}

function fixerFor(config: Config): RuleFixer {
  return {
    annotations: annotationEdits,
    annotationValue: (job, key, value) => {
      const node = annotationValueNode(job, key);
      return node && isScalar(node)
        ? replaceScalar(job.file, node, value, job.annotationsNode?.flow === true)
        : null;
    },
    noEditReason,
    patchedReason,
    hookPhase: (job) => hookPhaseFor(job, config),
  };
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

/** A file deployed by several Applications is judged on the union of their sync options, and says so. */
function deploymentNote(job: JobView): string {
  const apps = job.deployedBy;
  if (apps.length < 2) return "";
  const differ = apps.some((app) => app.syncOptions.join(",") !== apps[0]?.syncOptions.join(","));
  const names = apps.map((app) => app.name).join(", ");
  return differ
    ? ` (Deployed by several Applications, ${names}, with different sync options: they were combined.)`
    : ` (Deployed by several Applications: ${names}.)`;
}

/** One finding per Job from the plain-Job family, the most specific one (docs/argocd-and-jobs.md). */
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
  /** What the engine adds to the rule's message about how the Job is deployed. */
  note: string,
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
    messageId: draft.messageId,
    message: formatMessage(rule.meta.messages, draft.messageId, draft.data) + note,
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
    objectDigest: digestOf(file.text.slice(object.node.range?.[0] ?? 0, object.node.range?.[2] ?? 0)),
    objectKey: objectKeyOf(object),
    subject: draft.subject ?? "",
  };
}

export function stripKey(finding: RawFinding): Finding {
  const { objectKey: _objectKey, subject: _subject, ...rest } = finding;
  return rest;
}
