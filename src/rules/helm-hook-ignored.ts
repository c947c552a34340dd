import { HELM_HOOKS_NEVER_APPLIED } from "../engine/argocd/annotations.js";
import { noFix, type RuleModule } from "../engine/rule-api.js";
import { jobLabel } from "./plain-job-family.js";

export const helmHookIgnored = {
  meta: {
    id: "helm-hook-ignored",
    defaultSeverity: "warning",
    description:
      "A Job whose only Helm hooks are ones Argo CD never applies (tests, rollbacks): it never runs.",
    fixable: "none",
    messages: {
      testHook:
        "{{job}} has helm.sh/hook: {{tokens}}, which Argo CD never applies: the Job never runs. Argo CD does not run Helm tests; if it should run after each sync, make it a PostSync hook (argocd.argoproj.io/hook: PostSync), else set helm.skipTests: true in the Application.",
      rollbackHook:
        "{{job}} has helm.sh/hook: {{tokens}}, which Argo CD never applies: the Job never runs. Argo CD has no rollback phase; SyncFail (argocd.argoproj.io/hook: SyncFail) runs when a sync fails.",
    },
  },
  checkJob(_ctx, job) {
    const tokens = job.hook.helmTokens;
    if (
      job.hook.hasArgoHookAnnotation ||
      tokens.length === 0 ||
      !tokens.every((t) => HELM_HOOKS_NEVER_APPLIED.includes(t))
    )
      return [];
    // With helm.skipTests the test hooks are not rendered at all: nothing looks deployed that is not. Helm leaves out
    // every hook that has a test event among others (helm template --skip-tests, isTestHook in cmd/helm/template.go).
    const skipped = job.deployedBy.length > 0 && job.deployedBy.every((app) => app.skipsHelmTests);
    if (skipped && tokens.some((t) => t.startsWith("test"))) return [];
    const tests = tokens.some((t) => t.startsWith("test"));
    return [
      {
        messageId: tests ? "testHook" : "rollbackHook",
        data: { job: jobLabel(job), tokens: tokens.join(",") },
        fix: noFix("which Argo CD phase matches the intent is your choice"),
      },
    ];
  },
} satisfies RuleModule;
