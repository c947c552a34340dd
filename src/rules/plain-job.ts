import type { RuleModule } from "../engine/rule-api.js";
import { immutableError, isKnownNamedPlainJob, jobLabel } from "./plain-job-family.js";

export const plainJob = {
  meta: {
    id: "plain-job",
    defaultSeverity: "warning",
    description:
      "A named Job that Argo CD applies as a plain resource breaks the sync at its next template change.",
    fixable: "safe",
    fixNote: "the strategy fix",
    plainJobFamilyRank: 1,
    messages: {
      plainJob:
        "{{job}} is applied by Argo CD as a plain resource, not a hook. It syncs today, but the next change to its pod template (an image tag, an env var) fails the sync with {{error}}.",
      plainJobTemplatedName:
        "{{job}} is applied by Argo CD as a plain resource, not a hook. It syncs today, but the next change to its pod template (an image tag, an env var) fails the sync with {{error}}. Its name comes from a template: if the name changes whenever the pod template does (a content hash), Argo CD creates a new Job instead, and you can suppress this finding.",
    },
  },
  checkJob(ctx, job) {
    if (!isKnownNamedPlainJob(job)) return [];
    // Force=true under client-side apply already deletes and re-creates the Job when the patch is refused.
    if (job.forceAnnotation && (!job.serverSideApply || job.replace)) return [];
    return [
      {
        messageId: job.nameTemplated ? "plainJobTemplatedName" : "plainJob",
        data: {
          job: jobLabel(job),
          error: immutableError(job, ["spec.template: Invalid value: …: field is immutable"]),
        },
        fix: ctx.strategyFix(job),
      },
    ];
  },
} satisfies RuleModule;
