import { ANNOTATION } from "../engine/argocd/annotations.js";
import { annotationEdits, noEditReason, patchedReason } from "../engine/fix/annotation-edits.js";
import type { JobView } from "../engine/jobs/job-view.js";
import type { RuleModule } from "./rule-module.js";
import { noFix } from "./rule-module.js";
import { jobLabel } from "./plain-job-family.js";

export const hookNotRecreated = {
  meta: {
    id: "hook-not-recreated",
    defaultSeverity: "warning",
    description:
      "A named hook Job whose delete policies leave out BeforeHookCreation is re-applied, not re-created.",
    fixable: "safe",
  },
  checkJob(_ctx, job) {
    const policies = job.deletePolicies;
    if (
      !job.hook.isHook ||
      job.name === null ||
      policies.explicit.length === 0 ||
      policies.explicit.includes("BeforeHookCreation")
    ) {
      return [];
    }
    const useHelm =
      !job.annotations.has(ANNOTATION.hookDeletePolicy) &&
      job.annotations.has(ANNOTATION.helmHookDeletePolicy);
    const edits = job.annotationsTemplated
      ? null
      : annotationEdits(job, [
          useHelm
            ? { key: ANNOTATION.helmHookDeletePolicy, mergeTokens: ["before-hook-creation"] }
            : { key: ANNOTATION.hookDeletePolicy, mergeTokens: ["BeforeHookCreation"] },
        ]);
    return [
      {
        message: `${jobLabel(job)} is a hook with delete polic${policies.explicit.length > 1 ? "ies" : "y"} ${policies.explicit.join(",")} but not BeforeHookCreation. A Job left from an earlier sync is re-applied instead of re-created: a changed template fails with "field is immutable", an unchanged one keeps its old status and the hook silently does not run.`,
        fix: edits
          ? {
              fix: {
                kind: "safe",
                description: `Add ${useHelm ? "before-hook-creation" : "BeforeHookCreation"} to the delete policies.`,
                edits,
              },
            }
          : noFix(noFixReason(job, useHelm ? ANNOTATION.helmHookDeletePolicy : ANNOTATION.hookDeletePolicy)),
      },
    ];
  },
} satisfies RuleModule;

function noFixReason(job: JobView, key: string): string {
  if (job.patchedAnnotations.keys.has(key)) return patchedReason(job, key);
  if (job.annotationsTemplated) return "the delete policy comes from Helm values";
  return noEditReason(job, "no safe place was found in the manifest for the delete policy");
}
