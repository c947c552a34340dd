import { noFix, type RuleModule } from "../engine/rule-api.js";
import { isKnownNamedPlainJob, jobLabel } from "./plain-job-family.js";

export const forceIneffective = {
  meta: {
    id: "force-ineffective",
    defaultSeverity: "warning",
    description:
      "Force=true that does nothing: in an Application's syncOptions, or on a Job under server-side apply without Replace=true.",
    fixable: "safe",
    fixNote: "the strategy fix, on Jobs",
    plainJobFamilyRank: 3,
    messages: {
      serverSideApply:
        '{{job}} has Force=true but is applied with server-side apply, which does not honour Force (Argo CD up to 3.5 fails with "--force cannot be used with --server-side"; later versions ignore it). The next pod template change still fails with "field is immutable". Add Replace=true, annotate the Job ServerSideApply=false, or make it a hook.',
      inApplication:
        '{{kind}} "{{name}}" lists Force=true in spec.syncPolicy.syncOptions, where Argo CD does not read it: no resource is force-applied and Jobs still fail with "field is immutable". Force=true works only as the annotation argocd.argoproj.io/sync-options on the resource itself.',
    },
  },
  checkJob(ctx, job) {
    if (!isKnownNamedPlainJob(job) || !job.forceAnnotation || job.replace || !job.serverSideApply) return [];
    return [
      {
        messageId: "serverSideApply",
        data: { job: jobLabel(job) },
        fix: ctx.strategyFix(job),
      },
    ];
  },
  checkApp(_ctx, app) {
    if (!app.forceOptionLocation) return [];
    return [
      {
        messageId: "inApplication",
        data: { kind: app.kind, name: app.name },
        location: app.forceOptionLocation,
        fix: noFix(
          "moving Force=true onto each Job is a choice per Job; the Jobs' own findings carry their fixes",
        ),
      },
    ];
  },
} satisfies RuleModule;
