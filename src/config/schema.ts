import { z } from "zod";
import { parse as parseYaml, YAMLParseError } from "yaml";
import { configGlobProblem } from "../engine/glob.js";

/**
 * The repository configuration (`.github/argocd-job-guard.yml`, or `--config FILE`).
 * This schema is the single source of truth: defaults, validation and the README table follow it.
 * Objects are strict so that a misspelt key is an error, never silently ignored.
 */
const severityOrOff = z.enum(["off", "info", "warning", "error"]);
const hookDeletePolicy = z.enum(["BeforeHookCreation", "HookSucceeded", "HookFailed"]);
/** The configuration comes from the repository, so its globs are bounded like every other pattern there. */
const MAX_GLOBS = 256;
const glob = z
  .string()
  .min(1)
  .superRefine((pattern, context) => {
    const problem = configGlobProblem(pattern);
    if (problem !== null) context.addIssue({ code: "custom", message: `invalid glob: ${problem}` });
  });
const globs = z.array(glob).max(MAX_GLOBS).default([]);

export const ConfigSchema = z
  .strictObject({
    paths: globs,
    ignore: globs,
    /** For the GitHub App, when a commit's archive cannot be read: where Application manifests live (besides paths naming argo). */
    applications: globs,
    rules: z.record(z.string(), severityOrOff).default({}),
    fix: z
      .strictObject({
        strategy: z.enum(["hook", "force", "generateName"]).default("hook"),
        hookPhase: z.enum(["auto", "PreSync", "Sync", "PostSync"]).default("auto"),
        deletePolicy: z
          .string()
          .default("BeforeHookCreation")
          .refine(
            (value) => value.split(",").every((token) => hookDeletePolicy.safeParse(token.trim()).success),
            { message: "must be a comma-separated list of BeforeHookCreation, HookSucceeded, HookFailed" },
          ),
      })
      .prefault({}),
    report: z
      .strictObject({
        checkRun: z.boolean().default(true),
        checkRunWhenNoManifests: z.boolean().default(true),
        review: z.boolean().default(true),
        /** Reviews and the summary comment on draft pull requests too (off: drafts get only the check run). */
        drafts: z.boolean().default(true),
        fixPullRequest: z.enum(["button", "auto", "off"]).default("button"),
        conclusionOnWarnings: z.enum(["neutral", "success", "failure"]).default("neutral"),
      })
      .prefault({}),
    limits: z
      .strictObject({
        maxFileBytes: z
          .number()
          .int()
          .positive()
          .default(1024 * 1024),
      })
      .prefault({}),
  })
  .prefault({});

export type Config = z.output<typeof ConfigSchema>;
export type ConfigInput = z.input<typeof ConfigSchema>;

export const DEFAULT_CONFIG: Config = ConfigSchema.parse(undefined);

export type ConfigResult = { ok: true; config: Config } | { ok: false; errors: string[] };

/**
 * Validates an already-parsed config object. `knownRuleIds` makes a misspelt rule id an error.
 * @example validateConfig({ rules: { "plain-job": "error" } }, ["plain-job"])
 */
export function validateConfig(raw: unknown, knownRuleIds: readonly string[]): ConfigResult {
  const parsed = ConfigSchema.safeParse(raw ?? {});
  const errors = parsed.success ? [] : parsed.error.issues.map(describeIssue);
  const rules = typeof raw === "object" && raw !== null ? (raw as { rules?: unknown }).rules : undefined;
  if (typeof rules === "object" && rules !== null) {
    for (const id of Object.keys(rules)) {
      if (!knownRuleIds.includes(id))
        errors.push(`rules.${id}: unknown rule id (known rules: ${knownRuleIds.join(", ")})`);
    }
  }
  return parsed.success && errors.length === 0 ? { ok: true, config: parsed.data } : { ok: false, errors };
}

/** Parses and validates config text (YAML or JSON). Errors carry the file name and, for YAML, the line. */
export function parseConfigText(
  text: string,
  fileName: string,
  knownRuleIds: readonly string[],
): ConfigResult {
  let raw: unknown;
  try {
    raw = parseYaml(text, { maxAliasCount: 100 });
  } catch (error) {
    const where = error instanceof YAMLParseError && error.linePos ? ` line ${error.linePos[0].line}` : "";
    const message = error instanceof Error ? error.message.split("\n")[0] : String(error);
    return { ok: false, errors: [`${fileName}${where}: invalid YAML: ${message}`] };
  }
  if (raw !== null && raw !== undefined && (typeof raw !== "object" || Array.isArray(raw))) {
    return { ok: false, errors: [`${fileName}: the configuration must be a mapping of keys to values`] };
  }
  const result = validateConfig(raw, knownRuleIds);
  return result.ok ? result : { ok: false, errors: result.errors.map((e) => `${fileName}: ${e}`) };
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const where = issue.path.length > 0 ? issue.path.join(".") : "(top level)";
  if (issue.code === "unrecognized_keys") {
    return `${where}: unknown key${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `"${k}"`).join(", ")}`;
  }
  return `${where}: ${issue.message}`;
}
