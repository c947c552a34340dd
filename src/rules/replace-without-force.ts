import { hasOption } from "../engine/argocd/annotations.js";
import type { RuleModule } from "../engine/rule-api.js";
import { immutableError, isKnownNamedPlainJob, jobLabel } from "./plain-job-family.js";

export const replaceWithoutForce = {
  meta: {
    id: "replace-without-force",
    defaultSeverity: "error",
    description:
      "Replace=true on a Job without Force=true fails every sync after the first, changed or not (with ApplyOutOfSyncOnly=true, the next change).",
    fixable: "safe",
    fixNote: "the strategy fix",
    plainJobFamilyRank: 4,
    messages: {
      replaceWithoutForce:
        "{{job}} is synced with Replace=true ({{where}}) and no Force=true: kubectl replace sends the manifest without the selector and labels the API server generated, so every sync after the first fails, changed or not, with {{error}}.",
      replaceOnNextChange:
        "{{job}} is synced with Replace=true ({{where}}) and no Force=true: kubectl replace sends the manifest without the selector and labels the API server generated. With ApplyOutOfSyncOnly=true the Job is applied only when it differs from Git, so the sync fails on the next change to the Job, with {{error}}.",
    },
  },
  checkJob(ctx, job) {
    if (!isKnownNamedPlainJob(job) || !job.replace || job.forceAnnotation) return [];
    const where = job.annotationSyncOptions.includes("Replace=true")
      ? "its sync-options annotation"
      : "its Application's syncOptions";
    // ApplyOutOfSyncOnly=true skips resources that are in sync: an unchanged Job is not replaced again.
    const outOfSyncOnly =
      job.deployedBy.length > 0 &&
      job.deployedBy.every((app) => hasOption(app.syncOptions, "ApplyOutOfSyncOnly=true"));
    return [
      {
        messageId: outOfSyncOnly ? "replaceOnNextChange" : "replaceWithoutForce",
        data: {
          job: jobLabel(job),
          where,
          error: immutableError(job, [
            "spec.selector: Required value",
            "spec.template.metadata.labels: Invalid value: …: `selector` does not match template `labels`",
            'spec.selector: Invalid value: "null": field is immutable',
          ]),
        },
        fix: ctx.strategyFix(job),
      },
    ];
  },
} satisfies RuleModule;
