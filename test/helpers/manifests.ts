/**
 * A plain batch/v1 Job as the app tests write it: `metadataExtra` follows the name line (annotations, labels), so
 * a test can make it a hook or misspell one.
 */
export function jobYaml(name: string, options: { image?: string; metadataExtra?: string } = {}): string {
  return `apiVersion: batch/v1
kind: Job
metadata:
  name: ${name}${options.metadataExtra ?? ""}
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: main
          image: ${options.image ?? "app:1.0"}
`;
}

/** The annotations that make a Job a PreSync hook recreated on each sync: what the plain-job fix inserts. */
export const PRESYNC_HOOK_ANNOTATIONS =
  "\n  annotations:\n    argocd.argoproj.io/hook: PreSync\n    argocd.argoproj.io/hook-delete-policy: BeforeHookCreation";

/**
 * A Job named `migrate` whose annotations block holds exactly `annotations` (lines of their own, indented four
 * spaces): the rule tests that misspell, patch or template one annotation.
 */
export function annotatedJob(annotations: string): string {
  return `apiVersion: batch/v1
kind: Job
metadata:
  name: migrate
  annotations:
${annotations}spec:
  template:
    spec:
      restartPolicy: Never
`;
}

/**
 * A List whose ConfigMap sets its annotations as the anchor `&common`, and whose Job takes them with a merge key
 * (`<<: *common`): the tests that a fix never edits what an anchor gives others. `anchored` is the one annotation of
 * the anchor, `jobIdentity` the Job's name line (`name: x`, `generateName: x-`), `jobSpec` what follows its metadata.
 */
export function listMergingAnnotations(
  anchored: string,
  jobIdentity: string,
  jobSpec = "    spec:\n      template:\n        spec:\n          restartPolicy: Never\n",
): string {
  return `apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: ConfigMap
    metadata:
      name: defaults
      annotations: &common
        ${anchored}
  - apiVersion: batch/v1
    kind: Job
    metadata:
      ${jobIdentity}
      annotations:
        <<: *common
${jobSpec}`;
}
