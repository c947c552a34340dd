import { ANNOTATION, syncWaveOf } from "../engine/argocd/annotations.js";
import { looksLikeMigration } from "../engine/jobs/job-view.js";
import { noFix, type RuleModule } from "../engine/rule-api.js";
import { jobLabel } from "./plain-job-family.js";

export const migrationNotPresync = {
  meta: {
    id: "migration-not-presync",
    defaultSeverity: "info",
    description:
      "A schema-migration hook in the Sync or PostSync phase runs alongside or after the app that needs it.",
    fixable: "suggestion",
    messages: {
      notPresync:
        "{{job}} looks like a schema migration but runs in {{phases}}: it runs alongside or after the new version of the app that needs the new schema. A PreSync hook runs first, and a failed migration stops the sync before the app is updated.",
    },
  },
  checkJob(ctx, job) {
    const phases = job.hook.phases;
    if (
      !job.hook.isHook ||
      phases.includes("PreSync") ||
      !phases.some((p) => p === "Sync" || p === "PostSync")
    )
      return [];
    if (!looksLikeMigration(job)) return [];
    // A Sync hook in a negative wave runs before the wave-0 Deployments (docs/argocd-and-jobs.md, "Waves").
    if (phases.every((p) => p === "Sync") && (syncWaveOf(job.annotations) ?? 0) < 0) return [];
    // A PreSync hook would wait on the first sync for what its own Application creates in the Sync phase.
    if (job.needsOwnResource !== null) return [];
    const edit =
      !job.hook.fromHelm && !job.patchedAnnotations.keys.has(ANNOTATION.hook)
        ? ctx.fixer.annotationValue(job, ANNOTATION.hook, "PreSync")
        : null;
    return [
      {
        messageId: "notPresync",
        data: { job: jobLabel(job), phases: phases.join(",") },
        fix: edit
          ? {
              fix: {
                kind: "suggestion",
                description: `Run it as a PreSync hook: ${job.migrationEvidence ?? "it"} says it is a schema migration (suggestion: check that it does not need resources created in the Sync phase).`,
                edits: [edit],
              },
            }
          : noFix(
              job.patchedAnnotations.keys.has(ANNOTATION.hook)
                ? ctx.fixer.patchedReason(job, ANNOTATION.hook)
                : "the phase comes from helm.sh/hook: use pre-install,pre-upgrade to run it before the app",
            ),
      },
    ];
  },
} satisfies RuleModule;
