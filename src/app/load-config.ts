import type { Context } from "probot";
import { parseConfigText, validateConfig, type Config } from "../config/schema.js";
import { describeGitHubError } from "../github/errors.js";
import { RULE_IDS } from "../rules/index.js";

export const CONFIG_FILE = "argocd-job-guard.yml";
export const CONFIG_PATH = `.github/${CONFIG_FILE}`;

export type LoadedConfig =
  | { ok: true; config: Config }
  | { ok: false; file: string; errors: string[] }
  /** GitHub failed to give the file (5xx after Probot's retries, a timeout): not the user's mistake. */
  | { ok: false; unavailable: string };

/**
 * The repository's configuration through Probot's `context.config`: `.github/argocd-job-guard.yml`, falling back
 * to the owner's `.github` repository, with `_extends`. An invalid file is reported, never silently ignored; a file
 * GitHub could not serve is told apart from an invalid one.
 */
export async function loadRepoConfig(context: Pick<Context, "config">): Promise<LoadedConfig> {
  let raw: unknown;
  try {
    raw = await context.config(CONFIG_FILE);
  } catch (error) {
    const yamlSource = extractYamlSource(error);
    if (yamlSource === null && !isYamlError(error)) {
      return { ok: false, unavailable: describeGitHubError(error) };
    }
    const message = error instanceof Error ? (error.message.split("\n")[0] ?? "") : String(error);
    // Probot parses the YAML itself; pass its text through our parser for a message with a line number.
    const parsed = parseConfigText(yamlSource ?? "", CONFIG_PATH, RULE_IDS);
    return {
      ok: false,
      file: CONFIG_PATH,
      errors: parsed.ok ? [`${CONFIG_PATH}: ${message}`] : parsed.errors,
    };
  }
  const result = validateConfig(raw ?? {}, RULE_IDS);
  return result.ok
    ? result
    : { ok: false, file: CONFIG_PATH, errors: result.errors.map((e) => `${CONFIG_PATH}: ${e}`) };
}

function extractYamlSource(error: unknown): string | null {
  const mark = (error as { mark?: { buffer?: unknown } } | null)?.mark;
  return typeof mark?.buffer === "string" ? mark.buffer : null;
}

/** Probot reads the file with js-yaml, whose errors are named YAMLException. */
function isYamlError(error: unknown): boolean {
  return error instanceof Error && error.name === "YAMLException";
}
