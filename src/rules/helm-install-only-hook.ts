import { noFix, type RuleModule } from "../engine/rule-api.js";
import { jobLabel } from "./plain-job-family.js";

export const helmInstallOnlyHook = {
  meta: {
    id: "helm-install-only-hook",
    defaultSeverity: "info",
    description:
      "A Helm install-only hook runs on every Argo CD sync: Argo CD cannot tell install from upgrade.",
    fixable: "none",
    messages: {
      everySync:
        "{{job}} has helm.sh/hook: {{tokens}}, meant to run once at install. Argo CD cannot tell install from upgrade: every sync is both, so it runs on every sync (as {{phases}}). Make the Job idempotent.",
    },
  },
  checkJob(_ctx, job) {
    if (!job.hook.fromHelm) return [];
    const tokens = job.hook.helmTokens;
    const installOnly = (["pre", "post"] as const).filter(
      (when) => tokens.includes(`${when}-install`) && !tokens.includes(`${when}-upgrade`),
    );
    if (installOnly.length === 0) return [];
    return [
      {
        messageId: "everySync",
        data: {
          job: jobLabel(job),
          tokens: tokens.join(","),
          phases: installOnly.map((w) => (w === "pre" ? "PreSync" : "PostSync")).join(" and "),
        },
        fix: noFix("the Job's command must be made idempotent; no annotation makes Argo CD run it only once"),
      },
    ];
  },
} satisfies RuleModule;
