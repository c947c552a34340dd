import { forceIneffective } from "./force-ineffective.js";
import { forceReplaceEverySync } from "./force-replace-every-sync.js";
import { generateNameWithoutHook } from "./generate-name-without-hook.js";
import { helmHookIgnored } from "./helm-hook-ignored.js";
import { helmInstallOnlyHook } from "./helm-install-only-hook.js";
import { hookNotRecreated } from "./hook-not-recreated.js";
import { immutableChange } from "./immutable-change.js";
import { invalidHookAnnotation } from "./invalid-hook-annotation.js";
import { jobNameTooLong } from "./job-name-too-long.js";
import { migrationNotPresync } from "./migration-not-presync.js";
import { plainJob } from "./plain-job.js";
import type { RuleModule } from "../engine/rule-api.js";
import { replaceWithoutForce } from "./replace-without-force.js";
import { ttlOnPlainJob } from "./ttl-on-plain-job.js";

/** The registry: the only place that lists the rules. Order is the README's rule table's, most severe first. */
export const RULES: readonly RuleModule[] = registry([
  immutableChange,
  replaceWithoutForce,
  generateNameWithoutHook,
  invalidHookAnnotation,
  jobNameTooLong,
  forceIneffective,
  ttlOnPlainJob,
  plainJob,
  hookNotRecreated,
  helmHookIgnored,
  helmInstallOnlyHook,
  migrationNotPresync,
  forceReplaceEverySync,
]);

export const RULE_IDS: readonly string[] = RULES.map((rule) => rule.meta.id);

function registry(rules: RuleModule[]): RuleModule[] {
  const seen = new Set<string>();
  for (const rule of rules) {
    if (seen.has(rule.meta.id)) throw new Error(`duplicate rule id ${rule.meta.id}`);
    seen.add(rule.meta.id);
  }
  return rules;
}
