import { describe, expect, it } from "@jest/globals";
import { scanRepository } from "../../src/engine/scan.js";
import { RULES } from "../../src/rules/index.js";
import { listMergingAnnotations } from "../helpers/manifests.js";

/** generate-name-without-hook's fix writes the hook annotations only beside the Job's own, never over merged ones. */

const plainJob = (metadata: string) =>
  `apiVersion: batch/v1\nkind: Job\nmetadata:\n${metadata}spec:\n  template:\n    spec:\n      restartPolicy: Never\n`;

function reported(content: string): boolean {
  return scanRepository({ rules: RULES, files: [{ path: "job.yaml", content }] }).findings.some(
    (f) => f.rule === "generate-name-without-hook",
  );
}

describe("generate-name-without-hook", () => {
  it.each<[string, boolean, string]>([
    ["a plain Job with generateName only", true, "  generateName: seed-\n"],
    [
      "a Job with a name beside generateName: the name is used and apply accepts it",
      false,
      "  name: seed\n  generateName: seed-\n",
    ],
    ["a Job with neither name nor generateName", false, "  labels:\n    app: seed\n"],
  ])("%s: reported %s", (_label, expected, metadata) => {
    expect(reported(plainJob(metadata))).toBe(expected);
  });

  it("has no fix when the Job's annotations come from a merge key, and says why", () => {
    const content = listMergingAnnotations("team: payments", "generateName: seed-");

    const finding = scanRepository({ rules: RULES, files: [{ path: "list.yaml", content }] }).findings.find(
      (f) => f.rule === "generate-name-without-hook",
    );

    expect(finding?.messageId).toBe("refusedByApply");
    expect(finding?.fix).toBeNull();
    expect(finding?.noFixReason).toContain("come from a YAML merge key (<<)");
  });
});
