import { ANNOTATION, splitCsv } from "../engine/argocd/annotations.js";
import { isPlainJob } from "../engine/jobs/job-view.js";
import { noFix, type RuleModule } from "../engine/rule-api.js";
import { jobLabel } from "./plain-job-family.js";

export const forceReplaceEverySync = {
  meta: {
    id: "force-replace-every-sync",
    defaultSeverity: "info",
    description:
      "Replace=true with Force=true deletes and re-runs the Job on every sync, also syncs caused by other resources.",
    fixable: "suggestion",
    messages: {
      everySync:
        "{{job}} has Replace=true and Force=true: Argo CD deletes and re-creates it, so it runs again, on every sync that applies it, also syncs caused by other resources. Add ApplyOutOfSyncOnly=true to the Application's syncOptions to re-create it only when it changed, or keep Force=true alone.",
    },
  },
  checkJob(ctx, job) {
    if (
      !isPlainJob(job) ||
      !job.replace ||
      !job.forceAnnotation ||
      job.appSyncOptions.includes("ApplyOutOfSyncOnly=true")
    )
      return [];
    const replaceInAnnotation = job.annotationSyncOptions.includes("Replace=true");
    const current = job.annotations.get(ANNOTATION.syncOptions) ?? "";
    const remaining = splitCsv(current).filter((o) => o !== "Replace=true");
    const edits =
      replaceInAnnotation && !job.serverSideApply && !job.annotationsTemplated
        ? ctx.fixer.annotations(job, [
            { key: ANNOTATION.syncOptions, set: remaining.join(current.includes(", ") ? ", " : ",") },
          ])
        : null;
    return [
      {
        messageId: "everySync",
        data: { job: jobLabel(job) },
        fix: edits
          ? {
              fix: {
                kind: "suggestion",
                description: "Keep Force=true alone: the Job is re-created only when its manifest changes.",
                edits,
              },
            }
          : noFix(
              replaceInAnnotation
                ? "server-side apply is in effect, where Force=true alone does nothing"
                : "Replace=true comes from the Application's syncOptions: add ApplyOutOfSyncOnly=true there",
            ),
      },
    ];
  },
} satisfies RuleModule;
