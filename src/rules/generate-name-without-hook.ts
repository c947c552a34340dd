import { ANNOTATION } from "../engine/argocd/annotations.js";
import { noFix, type RuleModule } from "../engine/rule-api.js";

export const generateNameWithoutHook = {
  meta: {
    id: "generate-name-without-hook",
    defaultSeverity: "error",
    description:
      "A Job with generateName and no hook annotation: kubectl apply refuses it and the sync fails.",
    fixable: "safe",
    messages: {
      refusedByApply:
        'Job with generateName "{{generateName}}" is not an Argo CD hook: kubectl apply refuses it ("cannot use generate name with apply") and the sync fails at its dry run. As a hook, Argo CD generates the name itself on every sync.',
      newJobEverySync:
        'Job with generateName "{{generateName}}" is not an Argo CD hook: with Replace=true Argo CD creates a new Job on every sync and the app never shows Synced. As a hook, Argo CD generates the name itself on every sync.',
    },
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
    const phase = ctx.fixer.hookPhase(job);
    const edits = ctx.fixer.annotations(job, [
      { key: ANNOTATION.hook, set: phase },
      { key: ANNOTATION.hookDeletePolicy, mergeTokens: ["HookSucceeded"] },
    ]);
    return [
      {
        messageId: job.replace ? "newJobEverySync" : "refusedByApply",
        data: { generateName: job.generateName },
        fix: edits
          ? {
              fix: {
                kind: "safe",
                description: `Make it a ${phase} hook with delete policy HookSucceeded (a generated name never matches an earlier Job, so BeforeHookCreation would delete nothing; failed runs stay for debugging).`,
                edits,
              },
            }
          : noFix(
              ctx.fixer.noEditReason(job, "no safe place was found in the manifest to add the annotations"),
            ),
      },
    ];
  },
} satisfies RuleModule;
