import { ANNOTATION } from "../engine/argocd/annotations.js";
import { looksLikeMigration, type JobView } from "../engine/jobs/job-view.js";
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
    if (phases.every((p) => p === "Sync") && syncWave(job) < 0) return [];
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
                description:
                  "Run it as a PreSync hook (suggestion: check that it does not need resources created in the Sync phase).",
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

/** The wave as Argo CD reads it: the sync-wave annotation if it is an integer, else helm.sh/hook-weight, else 0. */
function syncWave(job: JobView): number {
  for (const key of [ANNOTATION.syncWave, "helm.sh/hook-weight"]) {
    const value = job.annotations.get(key)?.trim() ?? "";
    if (/^[-+]?\d+$/.test(value)) return Number.parseInt(value, 10);
  }
  return 0;
}
