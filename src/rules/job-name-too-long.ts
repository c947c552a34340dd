import { MAX_HOOK_GENERATE_NAME, MAX_JOB_NAME } from "../engine/fix/strategy-fix.js";
import type { RuleModule } from "./rule-module.js";
import { noFix } from "./rule-module.js";

export const jobNameTooLong = {
  meta: {
    id: "job-name-too-long",
    defaultSeverity: "error",
    description: "A Job name over 63 characters (or a hook generateName over 36) cannot be created.",
    fixable: "none",
  },
  checkJob(_ctx, job) {
    if (job.nameTemplated || job.hook.neverApplied) return [];
    if (job.name !== null && job.name.length > MAX_JOB_NAME) {
      return [
        {
          message: `Job name "${job.name}" is ${job.name.length} characters long. Kubernetes copies it into the pod template's job-name label, whose value must be no more than ${MAX_JOB_NAME} characters, so creating the Job fails.`,
          fix: noFix(`renaming is your choice: shorten the name to ${MAX_JOB_NAME} characters or fewer`),
        },
      ];
    }
    if (
      job.name === null &&
      job.generateName !== null &&
      job.hook.isHook &&
      job.generateName.length > MAX_HOOK_GENERATE_NAME
    ) {
      return [
        {
          message: `Hook generateName "${job.generateName}" is ${job.generateName.length} characters long. Argo CD appends up to 27 characters (revision, phase, timestamp) and the Job name must fit in the ${MAX_JOB_NAME}-character job-name label, so the hook's Job cannot be created.`,
          fix: noFix(
            `renaming is your choice: shorten generateName to ${MAX_HOOK_GENERATE_NAME} characters or fewer`,
          ),
        },
      ];
    }
    return [];
  },
} satisfies RuleModule;
