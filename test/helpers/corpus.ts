import { existsSync } from "node:fs";
import { join } from "node:path";

/**
 * The corpus of real manifests from public GitOps repositories lives beside the repository, not in it (it is not
 * ours to redistribute): `../shared/corpus` beside the clone, or wherever ARGOCD_JOB_GUARD_CORPUS points. A clone without it still
 * passes its tests, with the corpus tests reported as skipped. In CI the corpus is laid beside the clone, so there
 * a missing corpus is a broken setup, not a reason to skip: with CI set the tests fail instead.
 */
export const CORPUS =
  process.env.ARGOCD_JOB_GUARD_CORPUS ?? join(import.meta.dirname, "..", "..", "..", "shared", "corpus");

export type CorpusAvailability = { present: true } | { present: false; reason: string };

export function corpusAvailability(env: NodeJS.ProcessEnv = process.env): CorpusAvailability {
  if (existsSync(CORPUS)) return { present: true };
  const reason = `the corpus ${CORPUS} is not there (set ARGOCD_JOB_GUARD_CORPUS to its path)`;
  if (env.CI) throw new Error(`CI is set but ${reason}: CI must run the corpus tests`);
  return { present: false, reason };
}

/**
 * Whether the corpus tests run; when they do not, says why once on the console, so a skip is never silent.
 * Throws (failing the test file) when CI is set and the corpus is missing.
 */
export function corpusPresentOrSayWhy(what: string): boolean {
  const availability = corpusAvailability();
  if (!availability.present) console.warn(`skipped: ${what}: ${availability.reason}`);
  return availability.present;
}
