import { MAX_HOOK_GENERATE_NAME, MAX_JOB_NAME } from "../engine/jobs/name-limits.js";
import { noFix, type RuleModule } from "../engine/rule-api.js";

export const jobNameTooLong = {
  meta: {
    id: "job-name-too-long",
    defaultSeverity: "error",
    description: "A Job name over 63 characters (or a hook generateName over 36) cannot be created.",
    fixable: "none",
    messages: {
      nameTooLong:
        'Job name "{{name}}" is {{length}} characters long. Kubernetes copies it into the pod template\'s job-name label, whose value must be no more than {{max}} characters, so creating the Job fails.',
      generateNameTooLong:
        'Hook generateName "{{generateName}}" is {{length}} characters long. Argo CD appends up to 27 characters (revision, phase, timestamp) and the Job name must fit in the {{max}}-character job-name label, so the hook\'s Job cannot be created.',
    },
  },
  checkJob(_ctx, job) {
    if (job.hook.neverApplied) return [];
    // Of a templated name only the literal part is known: it is reported when that alone is too long.
    const literal = (text: string) => text.replace(/\{\{[\s\S]*?\}\}/g, "");
    const length = (text: string) => literal(text).length;
    const atLeast = job.nameTemplated ? "at least " : "";
    if (job.name !== null && length(job.name) > MAX_JOB_NAME) {
      return [
        {
          messageId: "nameTooLong",
          data: { name: job.name, length: `${atLeast}${length(job.name)}`, max: MAX_JOB_NAME },
          fix: noFix(`renaming is your choice: shorten the name to ${MAX_JOB_NAME} characters or fewer`),
        },
      ];
    }
    if (
      job.name === null &&
      job.generateName !== null &&
      job.hook.isHook &&
      length(job.generateName) > MAX_HOOK_GENERATE_NAME
    ) {
      return [
        {
          messageId: "generateNameTooLong",
          data: {
            generateName: job.generateName,
            length: `${atLeast}${length(job.generateName)}`,
            max: MAX_JOB_NAME,
          },
          fix: noFix(
            `renaming is your choice: shorten generateName to ${MAX_HOOK_GENERATE_NAME} characters or fewer`,
          ),
        },
      ];
    }
    return [];
  },
} satisfies RuleModule;
