import { immutableFieldChanges } from "../engine/immutable/job-update.js";
import { isPlainJob, type JobView } from "../engine/jobs/job-view.js";
import type { RuleModule } from "../engine/rule-api.js";
import { immutableError, isKnownNamedPlainJob, jobLabel } from "./plain-job-family.js";

/**
 * The base Job exists in the cluster when it was plain, or a hook whose delete policies keep its last run
 * (BeforeHookCreation, the default, deletes only before the next run; HookSucceeded deletes a successful run).
 */
function stillInCluster(base: JobView): boolean {
  if (isPlainJob(base)) return true;
  return base.hook.isHook && !base.deletePolicies.effective.includes("HookSucceeded");
}

export const immutableChange = {
  meta: {
    id: "immutable-change",
    defaultSeverity: "error",
    description: "This change edits immutable fields of a plain Job: the sync that applies it fails.",
    fixable: "safe",
    fixNote: "the strategy fix",
    plainJobFamilyRank: 5,
    messages: {
      immutableChange:
        "This change edits immutable fields of {{job}}, which Argo CD applies as a plain resource: {{fields}}. The sync fails with {{error}}.",
    },
  },
  checkJob(ctx, job) {
    if (!isKnownNamedPlainJob(job)) return [];
    const base = ctx.baseJobOf(job);
    if (!base || !stillInCluster(base)) return [];
    // Force=true on the new manifest, under client-side apply, makes kubectl delete and re-create the Job when the
    // patch is refused (gitops-engine applyObject reads it from the target object).
    if (job.forceAnnotation && !job.serverSideApply) return [];
    const changes = immutableFieldChanges(base.spec, job.spec);
    if (changes.length === 0) return [];
    const fields = changes.map((c) =>
      c.details.length > 0 ? `${c.field} (${c.details.join(", ")})` : c.field,
    );
    return [
      {
        messageId: "immutableChange",
        data: {
          job: jobLabel(job),
          fields: fields.join("; "),
          error: immutableError(
            job,
            changes.map((c) => c.error),
          ),
        },
        fix: ctx.strategyFix(job),
      },
    ];
  },
} satisfies RuleModule;
