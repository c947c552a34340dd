import { isScalar } from "yaml";
import {
  ANNOTATION,
  ARGO_DELETE_POLICIES,
  ARGO_HOOK_TYPES,
  HELM_DELETE_POLICIES,
  evidentToken,
  splitCsv,
} from "../engine/argocd/annotations.js";
import { patchedReason } from "../engine/fix/annotation-edits.js";
import { replaceScalar } from "../engine/fix/edit-builders.js";
import type { JobView } from "../engine/jobs/job-view.js";
import { annotationValueNode } from "../engine/jobs/job-view.js";
import { locate } from "../engine/manifests/yaml-nodes.js";
import type { FindingDraft, FixOutcome, RuleModule } from "./rule-module.js";
import { noFix } from "./rule-module.js";
import { jobLabel } from "./plain-job-family.js";

const VALID_HOOKS = ARGO_HOOK_TYPES.filter((t) => t !== "Skip");

export const invalidHookAnnotation = {
  meta: {
    id: "invalid-hook-annotation",
    defaultSeverity: "error",
    description:
      "A hook or delete-policy value Argo CD does not know: the Job is silently never applied, or the policy dropped.",
    fixable: "safe",
  },
  checkJob(_ctx, job) {
    const findings: FindingDraft[] = [];
    const hook = job.hook;
    if (hook.hasArgoHookAnnotation && hook.invalidArgoTokens.length > 0) {
      const value = job.annotations.get(ANNOTATION.hook) ?? "";
      const noneValid = hook.argoTokens.length === hook.invalidArgoTokens.length;
      const consequence = !noneValid
        ? `Argo CD silently drops ${hook.invalidArgoTokens.map((t) => `"${t}"`).join(", ")}: the Job runs only as ${hook.phases.join(",")}`
        : hook.isHook
          ? `Argo CD falls back to its helm.sh/hook annotation (phase ${hook.phases.join(",")})`
          : "Argo CD ignores the Job entirely: it is never applied and never compared, and no error is shown";
      findings.push({
        message: `${jobLabel(job)} has ${ANNOTATION.hook}: "${value}", which holds ${noneValid ? "no valid hook type" : "a token that is not a hook type"} (valid, case-sensitive: ${VALID_HOOKS.join(", ")}). ${consequence}.`,
        subject: ANNOTATION.hook,
        ...locationOf(job, ANNOTATION.hook),
        fix: correctTokens(job, ANNOTATION.hook, VALID_HOOKS),
      });
    }
    const policy = job.deletePolicies;
    if (policy.invalidArgoTokens.length > 0) {
      findings.push({
        message: `${jobLabel(job)} has ${ANNOTATION.hookDeletePolicy} token${plural(policy.invalidArgoTokens)} ${quoteList(policy.invalidArgoTokens)} that Argo CD silently drops (valid: ${ARGO_DELETE_POLICIES.join(", ")}). Effective policy: ${policy.effective.join(",")}.`,
        subject: ANNOTATION.hookDeletePolicy,
        ...locationOf(job, ANNOTATION.hookDeletePolicy),
        fix: correctTokens(job, ANNOTATION.hookDeletePolicy, ARGO_DELETE_POLICIES),
      });
    }
    if (policy.invalidHelmTokens.length > 0) {
      findings.push({
        message: `${jobLabel(job)} has ${ANNOTATION.helmHookDeletePolicy} token${plural(policy.invalidHelmTokens)} ${quoteList(policy.invalidHelmTokens)} that Argo CD silently drops (valid: ${Object.keys(HELM_DELETE_POLICIES).join(", ")}). Effective policy: ${policy.effective.join(",")}.`,
        subject: ANNOTATION.helmHookDeletePolicy,
        ...locationOf(job, ANNOTATION.helmHookDeletePolicy),
        fix: correctTokens(job, ANNOTATION.helmHookDeletePolicy, Object.keys(HELM_DELETE_POLICIES)),
      });
    }
    return findings;
  },
} satisfies RuleModule;

/** Rewrites each invalid token to the valid one it evidently means, in place; no fix when one has no evident intent. */
function correctTokens(job: JobView, key: string, valid: readonly string[]): FixOutcome {
  const node = annotationValueNode(job, key);
  const current = job.annotations.get(key);
  if (job.patchedAnnotations.keys.has(key)) return noFix(patchedReason(job, key));
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
  const edit = isScalar(node) ? replaceScalar(node, value, job.annotationsNode?.flow === true) : null;
  if (!edit) return noFix("the annotation value could not be located");
  return { fix: { kind: "safe", description: `Correct ${key} to "${value}".`, edits: [edit] } };
}

function locationOf(job: JobView, key: string): { location?: ReturnType<typeof locate> } {
  const range = annotationValueNode(job, key)?.range;
  return range ? { location: locate(job.file.lineCounter, range[0], range[1]) } : {};
}

function plural(list: readonly string[]): string {
  return list.length > 1 ? "s" : "";
}

function quoteList(list: readonly string[]): string {
  return list.map((t) => `"${t}"`).join(", ");
}
