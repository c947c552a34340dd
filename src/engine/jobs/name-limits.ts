/**
 * Kubernetes copies a Job's name into its pod template's `job-name` label, whose value is at most 63 characters
 * (kubernetes pkg/apis/batch/validation, validateJobName via apimachinery IsValidLabelValue). Argo CD appends up to
 * 27 characters to a hook's generateName (see docs/argocd-and-jobs.md, "Hook names"), which leaves 36.
 */
export const MAX_JOB_NAME = 63;
export const MAX_HOOK_GENERATE_NAME = 36;
