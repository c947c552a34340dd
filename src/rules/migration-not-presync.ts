import { isScalar } from "yaml";
import { ANNOTATION } from "../engine/argocd/annotations.js";
import { patchedReason } from "../engine/fix/annotation-edits.js";
import { replaceScalar } from "../engine/fix/edit-builders.js";
import { annotationValueNode, looksLikeMigration, type JobView } from "../engine/jobs/job-view.js";
import type { RuleModule } from "./rule-module.js";
import { noFix } from "./rule-module.js";
import { jobLabel } from "./plain-job-family.js";

export const migrationNotPresync = {
  meta: {
    id: "migration-not-presync",
    defaultSeverity: "info",
    description:
      "A schema-migration hook in the Sync or PostSync phase runs alongside or after the app that needs it.",
    fixable: "suggestion",
  },
  checkJob(_ctx, job) {
    const phases = job.hook.phases;
    if (
      !job.hook.isHook ||
      phases.includes("PreSync") ||
      !phases.some((p) => p === "Sync" || p === "PostSync")
    )
      return [];
    if (!looksLikeMigration(job)) return [];
    // A Sync hook in a negative wave runs before the wave-0 Deployments (argocd-facts.md §10).
    if (phases.every((p) => p === "Sync") && syncWave(job) < 0) return [];
    const node = annotationValueNode(job, ANNOTATION.hook);
    const edit =
      !job.hook.fromHelm && !job.patchedAnnotations.keys.has(ANNOTATION.hook) && node && isScalar(node)
        ? replaceScalar(node, "PreSync", job.annotationsNode?.flow === true)
        : null;
    return [
      {
        message: `${jobLabel(job)} looks like a schema migration but runs in ${phases.join(",")}: it runs alongside or after the new version of the app that needs the new schema. A PreSync hook runs first, and a failed migration stops the sync before the app is updated.`,
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
                ? patchedReason(job, ANNOTATION.hook)
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
