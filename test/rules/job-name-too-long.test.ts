import { describe, expect, it } from "@jest/globals";
import { scanRepository } from "../../src/engine/scan.js";
import { RULES } from "../../src/rules/index.js";

/** job-name-too-long: the name Kubernetes will use, and only for a Job Argo CD applies. */

const LONG_NAME = "x".repeat(64);
const LONG_GENERATE_NAME = `${"y".repeat(40)}-`;

const job = (metadata: string) =>
  `apiVersion: batch/v1\nkind: Job\nmetadata:\n${metadata}spec:\n  template:\n    spec:\n      restartPolicy: Never\n`;

function reported(metadata: string): string[] {
  return scanRepository({ rules: RULES, files: [{ path: "job.yaml", content: job(metadata) }] })
    .findings.filter((f) => f.rule === "job-name-too-long")
    .map((f) => f.messageId);
}

const hook = "  annotations:\n    argocd.argoproj.io/hook: PreSync\n";

describe("job-name-too-long", () => {
  it.each<[string, string[], string]>([
    ["a 64-character name", ["nameTooLong"], `  name: ${LONG_NAME}\n`],
    [
      "a 64-character name of a Job Argo CD skips (hook Skip)",
      [],
      `  name: ${LONG_NAME}\n  annotations:\n    argocd.argoproj.io/hook: Skip\n`,
    ],
    [
      "a hook's 41-character generateName",
      ["generateNameTooLong"],
      `  generateName: ${LONG_GENERATE_NAME}\n${hook}`,
    ],
    [
      "a hook with a short name beside a long generateName: the name is used",
      [],
      `  name: short\n  generateName: ${LONG_GENERATE_NAME}\n${hook}`,
    ],
    ["a hook with neither name nor generateName", [], hook],
  ])("%s: %j", (_label, expected, metadata) => {
    expect(reported(metadata)).toEqual(expected);
  });
});
