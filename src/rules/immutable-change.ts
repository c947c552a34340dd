import { immutableFieldChanges } from "../engine/immutable/job-update.js";
import { isPlainJob } from "../engine/jobs/job-view.js";
import type { RuleModule } from "./rule-module.js";
import { immutableError, isKnownNamedPlainJob, jobLabel } from "./plain-job-family.js";

export const immutableChange = {
  meta: {
    id: "immutable-change",
    defaultSeverity: "error",
    description: "This change edits immutable fields of a plain Job: the sync that applies it fails.",
    fixable: "safe",
    plainJobFamilyRank: 5,
  },
  checkJob(ctx, job) {
    if (!isKnownNamedPlainJob(job)) return [];
    const base = ctx.baseJobOf(job);
    if (!base || !isPlainJob(base)) return [];
    // Force=true under client-side apply makes kubectl delete and re-create the Job when the patch is refused.
    if (job.forceAnnotation && base.forceAnnotation && !job.serverSideApply) return [];
    const changes = immutableFieldChanges(base.spec, job.spec);
    if (changes.length === 0) return [];
    const fields = changes.map((c) =>
      c.details.length > 0 ? `${c.field} (${c.details.join(", ")})` : c.field,
    );
    return [
      {
        message: `This change edits immutable fields of ${jobLabel(job)}, which Argo CD applies as a plain resource: ${fields.join("; ")}. The sync fails with ${immutableError(
          job,
          changes.map((c) => c.error),
        )}.`,
        fix: ctx.strategyFix(job),
      },
    ];
  },
} satisfies RuleModule;
