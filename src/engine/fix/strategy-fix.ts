import type { Config } from "../../config/schema.js";
import { ANNOTATION, splitCsv, syncWaveOf } from "../argocd/annotations.js";
import type { JobView } from "../jobs/job-view.js";
import { MAX_HOOK_GENERATE_NAME } from "../jobs/name-limits.js";
import type { FixOutcome } from "../rule-api.js";
import { findPair } from "../manifests/yaml-nodes.js";
import {
  annotationEdits,
  noEditReason,
  patchedKeyOf,
  patchedReason,
  type AnnotationChange,
} from "./annotation-edits.js";
import { renameKey, replaceScalar } from "./edit-builders.js";
import { isScalar } from "yaml";

const TRADE_OFFS = {
  hook: "As a hook the Job runs on every sync that runs hooks (make it idempotent), is left out of the app's diff (a change to the Job alone no longer makes the app OutOfSync), and BeforeHookCreation keeps the last run and its logs until the next sync.",
  force:
    "With Force=true the Job stays an ordinary tracked resource and is deleted and re-created only when its manifest changes (Argo CD 2.12 or later, client-side apply only).",
  forceWithReplace:
    "With Replace=true also set, Argo CD deletes and re-creates the Job on every sync that applies it (see force-replace-every-sync); add ApplyOutOfSyncOnly=true to the Application to limit that to changes.",
  generateName:
    "With generateName every sync creates a new Job; successful ones are deleted by the delete policy, failed ones stay for debugging.",
} as const;

const STRATEGIES = ["hook", "force", "generateName"] as const;
type Strategy = (typeof STRATEGIES)[number];

/**
 * Picks the hook phase, and says why. PreSync only on strong evidence of a schema migration (it must finish before
 * the new version starts); Sync when the Job needs an object its own Application creates in the Sync phase (a
 * PreSync hook would wait for it on the first sync) or when its own sync-wave orders it among the app's resources
 * (phases come before waves, so PreSync would drop that order); Sync otherwise.
 */
export function hookPhaseChoice(
  job: JobView,
  config: Config,
): { phase: "PreSync" | "Sync" | "PostSync"; why: string } {
  if (config.fix.hookPhase !== "auto")
    return { phase: config.fix.hookPhase, why: "the configuration's fix.hookPhase chooses it" };
  const wave = syncWaveOf(job.annotations);
  const waveKept = wave === null ? "" : ` Its sync-wave ${wave} is kept.`;
  if (job.needsOwnResource !== null) {
    const [kind = "", ...name] = job.needsOwnResource.split("/");
    return {
      phase: "Sync",
      why: `it needs the ${kind} "${name.join("/")}" that its own Application creates in the Sync phase: a PreSync hook would wait for it on the first sync.${waveKept}`,
    };
  }
  if (job.migrationEvidence !== null && wave !== null) {
    return {
      phase: "Sync",
      why: `its sync-wave ${wave} orders it among the Application's resources, which a Sync hook keeps and a PreSync hook would not (phases run before waves).`,
    };
  }
  if (job.migrationEvidence !== null) {
    return {
      phase: "PreSync",
      why: `${job.migrationEvidence} says it is a schema migration, which must finish before the new version of the app starts.`,
    };
  }
  return {
    phase: "Sync",
    why: `nothing in it says it must run before the app's other resources.${waveKept}`,
  };
}

export function hookPhaseFor(job: JobView, config: Config): "PreSync" | "Sync" | "PostSync" {
  return hookPhaseChoice(job, config).phase;
}

/**
 * The strategy fix (docs/argocd-and-jobs.md, "Making a Job re-creatable"): turn a plain Job into something Argo CD re-creates, as `fix.strategy` says.
 * `force` is not offered under server-side apply (Force is a no-op there), and `generateName` needs a literal
 * name; both fall back to `hook` and say so.
 */
export function buildStrategyFix(
  job: JobView,
  config: Config,
  options: { forceDoesNotHelp?: string } = {},
): FixOutcome {
  if (job.annotationsTemplated) {
    return {
      noFixReason:
        "the Job's annotations come partly from Helm values, so the fix belongs in the values or the template by hand",
    };
  }
  const others = (chosen: Strategy) =>
    `Other strategies (config fix.strategy): ${STRATEGIES.filter((s) => s !== chosen).join(", ")}.`;
  let strategy = config.fix.strategy;
  let fallbackNote = "";
  if (strategy === "force" && options.forceDoesNotHelp !== undefined) {
    strategy = "hook";
    fallbackNote = `The force strategy is not offered because ${options.forceDoesNotHelp}. `;
  } else if (strategy === "force" && job.serverSideApply) {
    strategy = "hook";
    fallbackNote =
      "The force strategy is not offered because server-side apply is in effect (Force=true does nothing there). ";
  }
  if (strategy === "generateName" && (job.name === null || job.nameTemplated || job.generateName !== null)) {
    strategy = "hook";
    fallbackNote = "The generateName strategy needs a literal metadata.name. ";
  }
  if (strategy === "force") {
    const edits = annotationEdits(job, [{ key: ANNOTATION.syncOptions, mergeTokens: ["Force=true"] }]);
    if (job.patchedAnnotations.keys.has(ANNOTATION.syncOptions)) {
      return { noFixReason: patchedReason(job, ANNOTATION.syncOptions) };
    }
    if (!edits)
      return {
        noFixReason: noEditReason(job, "no safe place was found in the manifest to add the annotation"),
      };
    return {
      fix: {
        kind: "safe",
        description: `Add Force=true to ${ANNOTATION.syncOptions}. ${job.replace ? TRADE_OFFS.forceWithReplace : TRADE_OFFS.force} ${others("force")}`,
        edits,
      },
    };
  }
  const { phase, why } = hookPhaseChoice(job, config);
  const phaseReason = ` ${phase}, because ${why.replace(/\.$/, "")}.`;
  const isGenerated = strategy === "generateName" || (job.name === null && job.generateName !== null);
  const deletePolicy = isGenerated ? "HookSucceeded" : config.fix.deletePolicy;
  const changes: AnnotationChange[] = [
    { key: ANNOTATION.hook, set: phase },
    { key: ANNOTATION.hookDeletePolicy, mergeTokens: deletePolicy.split(",").map((t) => t.trim()) },
  ];
  let forceNote = "";
  if (job.serverSideApply && job.forceAnnotation) {
    // Under server-side apply Argo CD up to 3.5 fails every apply that asks for force, hooks included.
    const current = job.annotations.get(ANNOTATION.syncOptions) ?? "";
    const kept = splitCsv(current).filter((option) => option !== "Force=true");
    changes.push({ key: ANNOTATION.syncOptions, set: kept.join(current.includes(", ") ? ", " : ",") });
    forceNote =
      " Force=true is removed: server-side apply does not honour it (Argo CD up to 3.5 fails with it).";
  }
  const edits = annotationEdits(job, changes);
  const patchedKey = patchedKeyOf(job, changes);
  if (patchedKey !== null) return { noFixReason: patchedReason(job, patchedKey) };
  if (!edits)
    return {
      noFixReason: noEditReason(job, "no safe place was found in the manifest to add the annotations"),
    };
  if (strategy === "generateName" && job.name !== null) {
    const pair = findPair(job.metadataNode, "name");
    if (!pair || !isScalar(pair.value)) return { noFixReason: "metadata.name is not a plain value" };
    // Renaming text that carries an anchor would rename whatever else aliases it, in other Jobs too.
    const anchor = pair.value.anchor ?? (isScalar(pair.key) ? pair.key.anchor : undefined);
    if (anchor)
      return {
        noFixReason: `metadata.name carries the YAML anchor &${anchor}: other objects may share it through aliases, and renaming it would rename them too`,
      };
    const generateName = `${job.name.slice(0, MAX_HOOK_GENERATE_NAME - 1).replace(/[-.]+$/, "")}-`;
    const keyEdit = renameKey(job.file, pair.key, "generateName");
    const valueEdit = replaceScalar(job.file, pair.value, generateName, job.metadataNode?.flow === true);
    if (!keyEdit || !valueEdit) return { noFixReason: "metadata.name could not be rewritten" };
    edits.push(keyEdit, valueEdit);
    return {
      fix: {
        kind: "safe",
        description: `${fallbackNote}Make the Job a ${phase} hook with generateName "${generateName}" and delete policy HookSucceeded.${phaseReason}${forceNote} ${TRADE_OFFS.generateName} ${others("generateName")}`,
        edits,
      },
    };
  }
  return {
    fix: {
      kind: "safe",
      description: `${fallbackNote}Make the Job a ${phase} hook with delete policy ${deletePolicy}.${phaseReason}${forceNote} ${isGenerated ? TRADE_OFFS.generateName : TRADE_OFFS.hook} ${others("hook")}`,
      edits,
    },
  };
}
