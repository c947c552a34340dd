import type { JobView } from "../engine/jobs/job-view.js";
import { isPlainJob } from "../engine/jobs/job-view.js";

/**
 * A named plain Job whose annotations we can fully see. When a Helm template takes annotations from values we do
 * not know whether they make it a hook, so the plain-Job family stays silent rather than guess.
 */
export function isKnownNamedPlainJob(job: JobView): boolean {
  return isPlainJob(job) && !job.annotationsTemplated && job.name !== null;
}

export function jobLabel(job: JobView): string {
  const name = job.name ?? job.generateName ?? "(unnamed)";
  return `Job "${name}"`;
}

/** The message shape Kubernetes returns for an invalid update (apimachinery NewInvalid). */
export function immutableError(job: JobView, errors: readonly string[]): string {
  const list = errors.length === 1 ? errors[0] : `[${errors.join(", ")}]`;
  return `Job.batch "${job.name ?? ""}" is invalid: ${list}`;
}
