import { ANNOTATION } from "../engine/argocd/annotations.js";
import type { JobView } from "../engine/jobs/job-view.js";
import { noFix, type RuleContext, type RuleModule } from "../engine/rule-api.js";
import { jobLabel } from "./plain-job-family.js";

export const hookNotRecreated = {
  meta: {
    id: "hook-not-recreated",
    defaultSeverity: "warning",
    description:
      "A named hook Job whose delete policies leave out BeforeHookCreation is re-applied, not re-created.",
    fixable: "safe",
    messages: {
      notRecreated:
        '{{job}} is a hook with {{policyWord}} {{policies}} but not BeforeHookCreation. A Job left from an earlier sync is re-applied instead of re-created: a changed template fails with "field is immutable", an unchanged one keeps its old status and the hook silently does not run.',
    },
  },
  checkJob(ctx, job) {
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
      : ctx.fixer.annotations(job, [
          useHelm
            ? { key: ANNOTATION.helmHookDeletePolicy, mergeTokens: ["before-hook-creation"] }
            : { key: ANNOTATION.hookDeletePolicy, mergeTokens: ["BeforeHookCreation"] },
        ]);
    return [
      {
        messageId: "notRecreated",
        data: {
          job: jobLabel(job),
          policyWord: policies.explicit.length > 1 ? "delete policies" : "delete policy",
          policies: policies.explicit.join(","),
        },
        fix: edits
          ? {
              fix: {
                kind: "safe",
                description: `Add ${useHelm ? "before-hook-creation" : "BeforeHookCreation"} to the delete policies.`,
                edits,
              },
            }
          : noFix(
              noFixReason(ctx, job, useHelm ? ANNOTATION.helmHookDeletePolicy : ANNOTATION.hookDeletePolicy),
            ),
      },
    ];
  },
} satisfies RuleModule;

function noFixReason(ctx: RuleContext, job: JobView, key: string): string {
  if (job.patchedAnnotations.keys.has(key)) return ctx.fixer.patchedReason(job, key);
  if (job.annotationsTemplated) return "the delete policy comes from Helm values";
  return ctx.fixer.noEditReason(job, "no safe place was found in the manifest for the delete policy");
}
