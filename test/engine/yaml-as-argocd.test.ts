import { describe, expect, it } from "@jest/globals";
import { RULES } from "../../src/rules/index.js";
import { fixRepository, scanRepository } from "../../src/engine/scan.js";
import { listMergingAnnotations } from "../helpers/manifests.js";

/** Argo CD reads merge keys and aliases; a fix must not edit text that other objects share or that a merge hides. */

const container = `    spec:
      template:
        spec:
          restartPolicy: Never
          containers:
            - name: run
              image: ghcr.io/example/app:1.0.0
`;

function scanAndFix(content: string, path = "manifests/jobs.yaml") {
  const files = [{ path, content }];
  return {
    result: scanRepository({ rules: RULES, files }),
    fixes: fixRepository({ rules: RULES, files }).fixes,
  };
}

describe("YAML merge keys and aliases, as Argo CD reads them", () => {
  it("reads a hook annotation that a merge key provides: the Job is a hook, not reported", () => {
    const list = `apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: ConfigMap
    metadata:
      name: hook-defaults
      annotations: &presync
        argocd.argoproj.io/hook: PreSync
        argocd.argoproj.io/hook-delete-policy: BeforeHookCreation
  - apiVersion: batch/v1
    kind: Job
    metadata:
      name: db-migrate
      annotations:
        <<: *presync
${container}`;

    const { result, fixes } = scanAndFix(list);

    expect(result.findings).toEqual([]);
    expect(fixes).toEqual([]);
  });

  it("never adds annotations beside a merge key that provides some: the fix is withdrawn, saying why", () => {
    const list = listMergingAnnotations(
      "argocd.argoproj.io/hook-delete-policy: HookSucceeded",
      "name: export",
      container,
    );

    const { result, fixes } = scanAndFix(list);

    expect(result.findings.map((f) => [f.rule, f.fix])).toEqual([["plain-job", null]]);
    expect(result.findings[0]?.noFixReason).toContain("YAML merge key (<<)");
    expect(fixes).toEqual([]);
  });

  it("never adds an annotations map to metadata that takes its keys from a merge key", () => {
    const list = `apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: ConfigMap
    metadata: &defaults
      name: settings
      annotations:
        example.com/team: reports
  - apiVersion: batch/v1
    kind: Job
    metadata:
      <<: *defaults
      name: report
${container}`;

    const { result, fixes } = scanAndFix(list);

    expect(result.findings.map((f) => [f.rule, f.fix])).toEqual([["plain-job", null]]);
    expect(result.findings[0]?.noFixReason).toContain(
      "an annotations map added here would replace the merged one",
    );
    expect(fixes).toEqual([]);
  });

  it("never edits an annotations map that is an alias or carries an anchor (other objects share it)", () => {
    const list = `apiVersion: v1
kind: List
items:
  - apiVersion: batch/v1
    kind: Job
    metadata:
      name: first
      annotations: &shared
        example.com/team: a
${container}  - apiVersion: batch/v1
    kind: Job
    metadata:
      name: second
      annotations: *shared
${container}`;

    const { result, fixes } = scanAndFix(list);

    expect(result.findings.map((f) => [f.rule, f.name, f.fix, f.noFixReason])).toEqual([
      [
        "plain-job",
        "first",
        null,
        "the Job's annotations map carries the YAML anchor &shared: other objects may share it through aliases, and an edit would change them too",
      ],
      [
        "plain-job",
        "second",
        null,
        "the Job's annotations map is the YAML alias *shared, shared with whatever else uses the anchor: change it where &shared is defined",
      ],
    ]);
    expect(fixes).toEqual([]);
  });

  it("never corrects an invalid hook value that a merge key provides", () => {
    const list = listMergingAnnotations("argocd.argoproj.io/hook: presync", "name: migrate", container);

    const { result, fixes } = scanAndFix(list);

    const invalid = result.findings.find((f) => f.rule === "invalid-hook-annotation");
    expect(invalid?.fix).toBeNull();
    expect(invalid?.noFixReason).toContain("YAML merge key (<<)");
    expect(fixes).toEqual([]);
  });
});

describe("Helm if/else branches that each write the Job's metadata", () => {
  it("withdraws a fix that would reach only one branch of the name, and says why", () => {
    const template = `apiVersion: batch/v1
kind: Job
metadata:
{{- if .Values.nameOverride }}
  name: {{ .Values.nameOverride }}
{{- else }}
  name: {{ .Release.Name }}-backfill
{{- end }}
  labels:
    app: backfill
spec:
  template:
    spec:
      restartPolicy: Never
`;

    const { result, fixes } = scanAndFix(template, "chart/templates/job.yaml");

    expect(result.findings.map((f) => [f.rule, f.fix])).toEqual([["plain-job", null]]);
    expect(result.findings[0]?.noFixReason).toBe(
      "metadata.name is written more than once (in Helm if/else branches): a fix would reach only one branch; add it to each branch by hand",
    );
    expect(fixes).toEqual([]);
  });

  it("withdraws a fix when each branch writes the whole metadata", () => {
    const template = `apiVersion: batch/v1
kind: Job
{{- if .Values.nightly }}
metadata:
  name: report-nightly
{{- else }}
metadata:
  name: report
{{- end }}
spec:
  template:
    spec:
      restartPolicy: Never
`;

    const { result, fixes } = scanAndFix(template, "chart/templates/job.yaml");

    expect(result.findings.map((f) => [f.rule, f.fix])).toEqual([["plain-job", null]]);
    expect(result.findings[0]?.noFixReason).toContain("in Helm if/else branches");
    expect(fixes).toEqual([]);
  });
});
