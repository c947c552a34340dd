import { describe, expect, it } from "@jest/globals";
import { scanRepository } from "../../src/engine/scan.js";
import { RULES } from "../../src/rules/index.js";

/** generate-name-without-hook's fix writes the hook annotations only beside the Job's own, never over merged ones. */

describe("generate-name-without-hook", () => {
  it("has no fix when the Job's annotations come from a merge key, and says why", () => {
    const content = `apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: ConfigMap
    metadata:
      name: defaults
      annotations: &common
        team: payments
  - apiVersion: batch/v1
    kind: Job
    metadata:
      generateName: seed-
      annotations:
        <<: *common
    spec:
      template:
        spec:
          restartPolicy: Never
`;

    const finding = scanRepository({ rules: RULES, files: [{ path: "list.yaml", content }] }).findings.find(
      (f) => f.rule === "generate-name-without-hook",
    );

    expect(finding?.messageId).toBe("refusedByApply");
    expect(finding?.fix).toBeNull();
    expect(finding?.noFixReason).toContain("come from a YAML merge key (<<)");
  });
});
