import { isRecord } from "../manifests/parse-manifests.js";

/**
 * Which changes to a Job's spec Kubernetes refuses on update. Follows ValidateJobSpecUpdate in
 * kubernetes/kubernetes pkg/apis/batch/validation/validation.go (1.27–1.34; docs/argocd-and-jobs.md, "Job mutability"):
 * selector, template, completionMode, podFailurePolicy, backoffLimitPerIndex, managedBy and successPolicy are
 * immutable; completions is immutable unless the Job is Indexed and the new completions equal the new parallelism
 * (ElasticIndexedJob, GA in 1.31). parallelism, activeDeadlineSeconds, backoffLimit, suspend,
 * ttlSecondsAfterFinished, maxFailedIndexes, podReplacementPolicy and the Job's own metadata may change.
 * Not modelled: the KEP-2926 exception for a Job that is suspended and has never started, which depends on live
 * status a repository does not have.
 */
export interface ImmutableFieldChange {
  field: string;
  /** The error Kubernetes returns for this field, as in `Job.batch "x" is invalid: <error>`. */
  error: string;
  /** For spec.template: the paths inside it that differ (at most a few). */
  details: string[];
}

const SIMPLE_IMMUTABLE_FIELDS: Record<string, string> = {
  selector: "metav1.LabelSelector{…}",
  completionMode: "…",
  podFailurePolicy: "batch.PodFailurePolicy{…}",
  backoffLimitPerIndex: "…",
  managedBy: "…",
  successPolicy: "batch.SuccessPolicy{…}",
};

const MAX_DETAILS = 5;

/** @example immutableFieldChanges({ template: { a: 1 } }, { template: { a: 2 } })[0].field === "spec.template" */
export function immutableFieldChanges(
  oldSpec: Record<string, unknown>,
  newSpec: Record<string, unknown>,
): ImmutableFieldChange[] {
  const changes: ImmutableFieldChange[] = [];
  if (!deepEqual(oldSpec.template, newSpec.template)) {
    const details: string[] = [];
    collectDifferences(oldSpec.template, newSpec.template, "spec.template", details);
    changes.push({
      field: "spec.template",
      error: "spec.template: Invalid value: core.PodTemplateSpec{…}: field is immutable",
      details,
    });
  }
  if (!deepEqual(oldSpec.completions, newSpec.completions)) {
    const indexed = newSpec.completionMode === "Indexed";
    if (!indexed) {
      changes.push({
        field: "spec.completions",
        error: `spec.completions: Invalid value: ${String(newSpec.completions)}: field is immutable`,
        details: [],
      });
    } else if (!deepEqual(newSpec.completions, newSpec.parallelism)) {
      changes.push({
        field: "spec.completions",
        error: `spec.completions: Invalid value: ${String(newSpec.completions)}: can only be modified in tandem with spec.parallelism`,
        details: [],
      });
    }
  }
  for (const [field, shown] of Object.entries(SIMPLE_IMMUTABLE_FIELDS)) {
    if (deepEqual(oldSpec[field], newSpec[field])) continue;
    const value = newSpec[field];
    const printed =
      value === undefined ? '"null"' : typeof value === "object" ? shown : JSON.stringify(value);
    changes.push({
      field: `spec.${field}`,
      error: `spec.${field}: Invalid value: ${printed}: field is immutable`,
      details: [],
    });
  }
  return changes;
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((item, i) => deepEqual(item, b[i]));
  if (isRecord(a) && isRecord(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const key of keys) if (!deepEqual(a[key], b[key])) return false;
    return true;
  }
  return false;
}

function collectDifferences(a: unknown, b: unknown, path: string, out: string[]): void {
  if (out.length >= MAX_DETAILS || deepEqual(a, b)) return;
  if (isRecord(a) && isRecord(b)) {
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)]))
      collectDifferences(a[key], b[key], `${path}.${key}`, out);
    return;
  }
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    a.forEach((item, i) => collectDifferences(item, b[i], `${path}[${i}]`, out));
    return;
  }
  out.push(path);
}
