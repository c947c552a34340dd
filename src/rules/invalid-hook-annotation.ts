import {
  ANNOTATION,
  ARGO_DELETE_POLICIES,
  ARGO_HOOK_TYPES,
  HELM_DELETE_POLICIES,
  evidentToken,
  splitCsv,
} from "../engine/argocd/annotations.js";
import type { JobView } from "../engine/jobs/job-view.js";
import { annotationValueNode } from "../engine/jobs/job-view.js";
import { locate } from "../engine/manifests/yaml-nodes.js";
import {
  noFix,
  type FindingDraft,
  type FixOutcome,
  type RuleContext,
  type RuleModule,
} from "../engine/rule-api.js";
import { jobLabel } from "./plain-job-family.js";

const VALID_HOOKS = ARGO_HOOK_TYPES.filter((t) => t !== "Skip");

export const invalidHookAnnotation = {
  meta: {
    id: "invalid-hook-annotation",
    defaultSeverity: "error",
    description:
      "A hook or delete-policy value Argo CD does not know: the Job is silently never applied, or the policy dropped.",
    fixable: "safe",
    fixNote: "when the intent is evident",
    messages: {
      hookIgnored:
        '{{job}} has argocd.argoproj.io/hook: "{{value}}", which holds no valid hook type (valid, case-sensitive: {{valid}}). Argo CD ignores the Job entirely: it is never applied and never compared, and no error is shown.',
      hookFallsBackToHelm:
        '{{job}} has argocd.argoproj.io/hook: "{{value}}", which holds no valid hook type (valid, case-sensitive: {{valid}}). Argo CD falls back to its helm.sh/hook annotation (phase {{phases}}).',
      hookEmpty:
        "{{job}} has an empty argocd.argoproj.io/hook annotation, which holds no hook type (valid, case-sensitive: {{valid}}). Argo CD still counts the annotation, so it ignores the Job entirely: it is never applied and never compared, and no error is shown.",
      hookNull:
        "{{job}} has argocd.argoproj.io/hook with no value (YAML null), which holds no hook type (valid, case-sensitive: {{valid}}). Annotation values are strings: Argo CD reads a Job with a null one as having no annotations at all (Kubernetes' unstructured GetAnnotations), so the Job is not the hook it was meant to be.",
      hookEmptyFallsBackToHelm:
        "{{job}} has an empty argocd.argoproj.io/hook annotation, which holds no hook type (valid, case-sensitive: {{valid}}). Argo CD falls back to its helm.sh/hook annotation (phase {{phases}}).",
      hookTokenDropped:
        '{{job}} has argocd.argoproj.io/hook: "{{value}}", which holds a token that is not a hook type (valid, case-sensitive: {{valid}}). Argo CD silently drops {{dropped}}: the Job runs only as {{phases}}.',
      deletePolicyDropped:
        "{{job}} has argocd.argoproj.io/hook-delete-policy {{tokenWord}} {{tokens}} that Argo CD silently drops (valid: {{valid}}). Effective policy: {{effective}}.",
      helmDeletePolicyDropped:
        "{{job}} has helm.sh/hook-delete-policy {{tokenWord}} {{tokens}} that Argo CD silently drops (valid: {{valid}}). Effective policy: {{effective}}.",
    },
  },
  checkJob(ctx, job) {
    const findings: FindingDraft[] = [];
    const hook = job.hook;
    // gitops-engine's IsHook asks only whether the key is there, so an empty value still makes a hook, of no phase.
    const empty = hook.argoTokens.length === 0;
    if (hook.hasArgoHookAnnotation && (empty || hook.invalidArgoTokens.length > 0)) {
      const value = job.annotations.get(ANNOTATION.hook) ?? "";
      findings.push({
        messageId: hookMessageId(job),
        data: {
          job: jobLabel(job),
          value,
          valid: VALID_HOOKS.join(", "),
          dropped: quoteList(hook.invalidArgoTokens),
          phases: hook.phases.join(","),
        },
        subject: ANNOTATION.hook,
        ...locationOf(job, ANNOTATION.hook),
        fix: empty
          ? noFix(
              `an empty hook annotation says nothing of its phase; choose one of ${VALID_HOOKS.join(", ")}`,
            )
          : correctTokens(ctx, job, ANNOTATION.hook, VALID_HOOKS),
      });
    }
    const policy = job.deletePolicies;
    if (policy.invalidArgoTokens.length > 0) {
      findings.push({
        messageId: "deletePolicyDropped",
        data: {
          job: jobLabel(job),
          tokenWord: tokenWord(policy.invalidArgoTokens),
          tokens: quoteList(policy.invalidArgoTokens),
          valid: ARGO_DELETE_POLICIES.join(", "),
          effective: policy.effective.join(","),
        },
        subject: ANNOTATION.hookDeletePolicy,
        ...locationOf(job, ANNOTATION.hookDeletePolicy),
        fix: correctTokens(ctx, job, ANNOTATION.hookDeletePolicy, ARGO_DELETE_POLICIES),
      });
    }
    if (policy.invalidHelmTokens.length > 0) {
      findings.push({
        messageId: "helmDeletePolicyDropped",
        data: {
          job: jobLabel(job),
          tokenWord: tokenWord(policy.invalidHelmTokens),
          tokens: quoteList(policy.invalidHelmTokens),
          valid: Object.keys(HELM_DELETE_POLICIES).join(", "),
          effective: policy.effective.join(","),
        },
        subject: ANNOTATION.helmHookDeletePolicy,
        ...locationOf(job, ANNOTATION.helmHookDeletePolicy),
        fix: correctTokens(ctx, job, ANNOTATION.helmHookDeletePolicy, Object.keys(HELM_DELETE_POLICIES)),
      });
    }
    return findings;
  },
} satisfies RuleModule;

/** The Argo CD hook annotation is there and holds no valid token, or some invalid ones. */
function hookMessageId(job: JobView): string {
  const hook = job.hook;
  if (annotationValueNode(job, ANNOTATION.hook)?.value === null) return "hookNull";
  if (hook.argoTokens.length === 0) return hook.isHook ? "hookEmptyFallsBackToHelm" : "hookEmpty";
  if (hook.invalidArgoTokens.length < hook.argoTokens.length) return "hookTokenDropped";
  return hook.isHook ? "hookFallsBackToHelm" : "hookIgnored";
}

/** Rewrites each invalid token to the valid one it evidently means, in place; no fix when one has no evident intent. */
function correctTokens(ctx: RuleContext, job: JobView, key: string, valid: readonly string[]): FixOutcome {
  const node = annotationValueNode(job, key);
  const current = job.annotations.get(key);
  if (job.patchedAnnotations.keys.has(key)) return noFix(ctx.fixer.patchedReason(job, key));
  if (!node || current === undefined || job.annotationsTemplated)
    return noFix(job.editBlocker ?? "the annotation value is not a plain value in the manifest");
  const corrected: string[] = [];
  for (const token of splitCsv(current)) {
    if (valid.includes(token)) {
      corrected.push(token);
      continue;
    }
    const intent = evidentToken(token, valid);
    if (!intent) return noFix(`the intent of "${token}" is not evident; choose one of ${valid.join(", ")}`);
    corrected.push(intent);
  }
  const value = [...new Set(corrected)].join(current.includes(", ") ? ", " : ",");
  const edit = ctx.fixer.annotationValue(job, key, value);
  if (!edit) return noFix("the annotation value could not be located");
  return { fix: { kind: "safe", description: `Correct ${key} to "${value}".`, edits: [edit] } };
}

function locationOf(job: JobView, key: string): { location?: ReturnType<typeof locate> } {
  const range = annotationValueNode(job, key)?.range;
  return range ? { location: locate(job.file.lineCounter, range[0], range[1]) } : {};
}

function tokenWord(list: readonly string[]): string {
  return list.length > 1 ? "tokens" : "token";
}

function quoteList(list: readonly string[]): string {
  return list.map((t) => `"${t}"`).join(", ");
}
