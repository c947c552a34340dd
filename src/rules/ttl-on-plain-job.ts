import { asWritten } from "../engine/jobs/job-view.js";
import { scalarText } from "../engine/manifests/parse-manifests.js";
import { findMap } from "../engine/manifests/yaml-nodes.js";
import type { RuleModule } from "../engine/rule-api.js";
import { isKnownNamedPlainJob, jobLabel } from "./plain-job-family.js";

export const ttlOnPlainJob = {
  meta: {
    id: "ttl-on-plain-job",
    defaultSeverity: "warning",
    description:
      "A plain Job with ttlSecondsAfterFinished goes Missing after the TTL; with selfHeal it re-runs every TTL period.",
    fixable: "safe",
    severityNote: "error with `selfHeal`",
    fixNote: "the strategy fix",
    plainJobFamilyRank: 2,
    messages: {
      missingAfterTtl:
        "{{job}} is a plain resource with spec.ttlSecondsAfterFinished: {{ttl}}. Kubernetes deletes it after it finishes, so the app goes OutOfSync/Missing; it stays OutOfSync/Missing until the next commit's sync re-creates and re-runs it. Hooks are not compared, so as a hook the TTL is harmless (or remove the TTL).",
      rerunBySelfHeal:
        "{{job}} is a plain resource with spec.ttlSecondsAfterFinished: {{ttl}}. Kubernetes deletes it after it finishes, so the app goes OutOfSync/Missing; self-heal (on in its Application) then re-creates it, so it runs again every TTL period. Hooks are not compared, so as a hook the TTL is harmless (or remove the TTL).",
    },
  },
  checkJob(ctx, job) {
    const ttl = job.spec.ttlSecondsAfterFinished;
    if (!isKnownNamedPlainJob(job) || ttl === undefined) return [];
    return [
      {
        messageId: job.selfHeal ? "rerunBySelfHeal" : "missingAfterTtl",
        data: {
          job: jobLabel(job),
          ttl: asWritten(
            job.file,
            findMap(job.object.node, "spec"),
            "ttlSecondsAfterFinished",
            scalarText(ttl),
          ),
        },
        ...(job.selfHeal ? { severity: "error" as const } : {}),
        fix: ctx.strategyFix(job, {
          forceDoesNotHelp: "a re-created Job would still be deleted after its TTL",
        }),
      },
    ];
  },
} satisfies RuleModule;
