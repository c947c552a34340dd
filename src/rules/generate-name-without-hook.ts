import { ANNOTATION } from "../engine/argocd/annotations.js";
import { annotationEdits, noEditReason } from "../engine/fix/annotation-edits.js";
import { hookPhaseFor } from "../engine/fix/strategy-fix.js";
import type { RuleModule } from "./rule-module.js";
import { noFix } from "./rule-module.js";

export const generateNameWithoutHook = {
  meta: {
    id: "generate-name-without-hook",
    defaultSeverity: "error",
    description:
      "A Job with generateName and no hook annotation: kubectl apply refuses it and the sync fails.",
    fixable: "safe",
  },
  checkJob(ctx, job) {
    if (
      job.name !== null ||
      job.generateName === null ||
      job.hook.isHook ||
      job.hook.neverApplied ||
      job.annotationsTemplated
    )
      return [];
    const phase = hookPhaseFor(job, ctx.config);
    const edits = annotationEdits(job, [
      { key: ANNOTATION.hook, set: phase },
      { key: ANNOTATION.hookDeletePolicy, mergeTokens: ["HookSucceeded"] },
    ]);
    const consequence = job.replace
      ? "with Replace=true Argo CD creates a new Job on every sync and the app never shows Synced"
      : 'kubectl apply refuses it ("cannot use generate name with apply") and the sync fails at its dry run';
    return [
      {
        message: `Job with generateName "${job.generateName}" is not an Argo CD hook: ${consequence}. As a hook, Argo CD generates the name itself on every sync.`,
        fix: edits
          ? {
              fix: {
                kind: "safe",
                description: `Make it a ${phase} hook with delete policy HookSucceeded (a generated name never matches an earlier Job, so BeforeHookCreation would delete nothing; failed runs stay for debugging).`,
                edits,
              },
            }
          : noFix(noEditReason(job, "no safe place was found in the manifest to add the annotations")),
      },
    ];
  },
} satisfies RuleModule;
