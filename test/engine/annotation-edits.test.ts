import { describe, expect, it } from "@jest/globals";
import { DEFAULT_CONFIG } from "../../src/config/schema.js";
import { annotationEdits, mergeCsv, noEditReason } from "../../src/engine/fix/annotation-edits.js";
import { parse } from "yaml";
import { buildStrategyFix } from "../../src/engine/fix/strategy-fix.js";
import { applyEdits } from "../../src/engine/fix/text-edit.js";
import { buildJobView, type JobView } from "../../src/engine/jobs/job-view.js";
import { parseManifestFile } from "../../src/engine/manifests/parse-manifests.js";

/**
 * annotationEdits on its own: the edits it returns are what a fix writes, so where it must give up (null) it must,
 * and where nothing needs to change it must write nothing. verify-fix would catch most wrong edits later, and
 * withdraw the fix; these tests hold the builder to its contract so that a fix is not lost to a builder's mistake.
 */

function jobOf(text: string, path = "job.yaml"): JobView {
  const outcome = parseManifestFile(path, text);
  if (!outcome.ok) throw new Error(outcome.reason);
  const object = outcome.file.objects[0];
  if (!object) throw new Error("no object");
  return buildJobView(outcome.file, object, []);
}

const withMetadata = (metadata: string) => `apiVersion: batch/v1
kind: Job
metadata:
  name: migrate
${metadata}spec:
  template:
    spec:
      restartPolicy: Never
`;

const fixed = (job: JobView, edits: ReturnType<typeof annotationEdits>) =>
  edits === null ? null : applyEdits(job.file.text, edits).text;

describe("annotationEdits", () => {
  it("writes nothing for an annotation that already has the wanted value", () => {
    const job = jobOf(withMetadata("  annotations:\n    argocd.argoproj.io/hook: Sync\n"));

    expect(annotationEdits(job, [{ key: "argocd.argoproj.io/hook", set: "Sync" }])).toEqual([]);
    expect(annotationEdits(job, [{ key: "argocd.argoproj.io/hook", mergeTokens: ["Sync"] }])).toEqual([]);
  });

  it.each([
    ["\n", ">-"],
    ["\r\n", "|-"],
  ])(
    "replaces a block-scalar value with a quoted one that still ends its line (line break %j)",
    (eol, indicator) => {
      const lines = (...l: string[]) => l.map((line) => line + eol).join("");
      const job = jobOf(
        lines(
          "apiVersion: batch/v1",
          "kind: Job",
          "metadata:",
          "  annotations:",
          `    argocd.argoproj.io/hook: ${indicator}`,
          "      PostSync",
          "    team: payments",
        ),
      );

      expect(fixed(job, annotationEdits(job, [{ key: "argocd.argoproj.io/hook", set: "Sync" }]))).toBe(
        lines(
          "apiVersion: batch/v1",
          "kind: Job",
          "metadata:",
          "  annotations:",
          '    argocd.argoproj.io/hook: "Sync"',
          "    team: payments",
        ),
      );
    },
  );

  it.each([
    ["no value", ""],
    ["a null value", " ~"],
  ])("writes a value into an annotation that has %s, as `key: value`", (_label, written) => {
    const job = jobOf(withMetadata(`  annotations:\n    argocd.argoproj.io/hook:${written}\n    team: x\n`));

    expect(fixed(job, annotationEdits(job, [{ key: "argocd.argoproj.io/hook", set: "Sync" }]))).toBe(
      withMetadata("  annotations:\n    argocd.argoproj.io/hook: Sync\n    team: x\n"),
    );
  });

  it("keeps the line break of a block-scalar value inside a file that has no final line break", () => {
    const text =
      "apiVersion: batch/v1\nkind: Job\nmetadata:\n  annotations:\n    argocd.argoproj.io/hook: >-\n      PostSync\n    team: x";
    const job = jobOf(text);

    expect(fixed(job, annotationEdits(job, [{ key: "argocd.argoproj.io/hook", set: "Sync" }]))).toBe(
      text.replace(">-\n      PostSync\n", '"Sync"\n'),
    );
  });

  it("replaces a block-scalar value that ends the file without adding a line break", () => {
    const text =
      "apiVersion: batch/v1\nkind: Job\nmetadata:\n  annotations:\n    argocd.argoproj.io/hook: >-\n      PostSync";
    const job = jobOf(text);

    expect(fixed(job, annotationEdits(job, [{ key: "argocd.argoproj.io/hook", set: "Sync" }]))).toBe(
      'apiVersion: batch/v1\nkind: Job\nmetadata:\n  annotations:\n    argocd.argoproj.io/hook: "Sync"',
    );
  });

  it("gives up on a Job without metadata: there is no place for annotations", () => {
    const job = jobOf("apiVersion: batch/v1\nkind: Job\nspec:\n  template: {}\n");

    expect(annotationEdits(job, [{ key: "argocd.argoproj.io/hook", set: "Sync" }])).toBeNull();
  });

  it.each([
    ["a string", "  annotations: none\n"],
    ["a sequence", "  annotations: [a]\n"],
    ["a number", "  annotations: 3\n"],
  ])("never overwrites annotations written as %s", (_label, metadata) => {
    const job = jobOf(withMetadata(metadata));

    expect(annotationEdits(job, [{ key: "argocd.argoproj.io/hook", set: "Sync" }])).toBeNull();
  });

  it('fills `annotations: ""` with the map, dropping the empty string', () => {
    const job = jobOf(withMetadata('  annotations: ""\n'));

    expect(fixed(job, annotationEdits(job, [{ key: "argocd.argoproj.io/hook", set: "Sync" }]))).toBe(
      withMetadata("  annotations:\n    argocd.argoproj.io/hook: Sync\n"),
    );
  });

  it("adds a new annotations map after metadata's last key, not after its name, in a plain YAML file", () => {
    const job = jobOf(withMetadata("  labels:\n    app: web\n"));

    expect(fixed(job, annotationEdits(job, [{ key: "argocd.argoproj.io/hook", set: "Sync" }]))).toBe(
      withMetadata("  labels:\n    app: web\n  annotations:\n    argocd.argoproj.io/hook: Sync\n"),
    );
  });

  it("gives up on a Job whose annotations are shared through an anchor (editBlocker says why)", () => {
    const job = jobOf(withMetadata("  annotations: &shared\n    team: payments\n"));

    expect(annotationEdits(job, [{ key: "argocd.argoproj.io/hook", set: "Sync" }])).toBeNull();
    expect(noEditReason(job, "fallback")).toBe(job.editBlocker);
    expect(noEditReason(jobOf(withMetadata("")), "fallback")).toBe("fallback");
  });

  it("writes values into a flow map so that they read back whole (a list of options is quoted there)", () => {
    const job = jobOf(withMetadata("  annotations: {argocd.argoproj.io/sync-options: Validate=false}\n"));

    const text = fixed(
      job,
      annotationEdits(job, [{ key: "argocd.argoproj.io/sync-options", mergeTokens: ["Force=true"] }]),
    );

    expect((parse(text ?? "") as { metadata: { annotations: unknown } }).metadata.annotations).toEqual({
      "argocd.argoproj.io/sync-options": "Validate=false,Force=true",
    });
  });

  it("indents a new annotations map of a List item by the item's own step, not from the line start", () => {
    const item = `apiVersion: v1
kind: List
items:
  - apiVersion: batch/v1
    kind: Job
    metadata:
      name: migrate
    spec: {}
`;
    const outcome = parseManifestFile("list.yaml", item);
    if (!outcome.ok) throw new Error(outcome.reason);
    const object = outcome.file.objects[0];
    if (!object) throw new Error("no object");
    const job = buildJobView(outcome.file, object, []);

    expect(fixed(job, annotationEdits(job, [{ key: "argocd.argoproj.io/hook", set: "Sync" }]))).toBe(
      item.replace(
        "      name: migrate\n",
        "      name: migrate\n      annotations:\n        argocd.argoproj.io/hook: Sync\n",
      ),
    );
  });

  it("keeps a comment written after an empty `annotations:`", () => {
    const job = jobOf(withMetadata("  annotations: # set by the release\n"));

    expect(fixed(job, annotationEdits(job, [{ key: "argocd.argoproj.io/hook", set: "Sync" }]))).toBe(
      withMetadata("  annotations: # set by the release\n    argocd.argoproj.io/hook: Sync\n"),
    );
  });

  it.each([
    ["name", "migrate"],
    ["generateName", "migrate-"],
  ])(
    "in a Helm template, adds the annotations right after %s, never inside an `{{ if }}` at metadata's end",
    (key, value) => {
      const text = `apiVersion: batch/v1
kind: Job
metadata:
  ${key}: ${value}
{{- if .Values.labels }}
  labels: {{ toYaml .Values.labels | nindent 4 }}
{{- end }}
spec: {}
`;
      const job = jobOf(text, "chart/templates/job.yaml");

      expect(fixed(job, annotationEdits(job, [{ key: "argocd.argoproj.io/hook", set: "Sync" }]))).toBe(
        text.replace(
          `  ${key}: ${value}\n`,
          `  ${key}: ${value}\n  annotations:\n    argocd.argoproj.io/hook: Sync\n`,
        ),
      );
    },
  );

  it("leaves an annotation a Kustomize patch sets to the patch: no edit, and the strategy fix says where it is set", () => {
    const job: JobView = {
      ...jobOf(withMetadata("")),
      patchedAnnotations: {
        keys: new Set(["argocd.argoproj.io/hook"]),
        sources: ["overlays/prod/kustomization.yaml"],
      },
    };

    expect(annotationEdits(job, [{ key: "argocd.argoproj.io/hook", set: "Sync" }])).toBeNull();
    expect(buildStrategyFix(job, DEFAULT_CONFIG)).toEqual({
      noFixReason:
        "argocd.argoproj.io/hook is set by the Kustomize patch in overlays/prod/kustomization.yaml: change it there",
    });
  });
});

describe("mergeCsv", () => {
  it("treats a value of spaces as empty: the tokens alone, no leading separator", () => {
    expect(mergeCsv("  ", ["Force=true"])).toBe("Force=true");
  });

  it("drops every trailing separator and space before appending, not just the last one", () => {
    expect(mergeCsv("Replace=true, ,", ["Force=true"])).toBe("Replace=true, Force=true");
    expect(mergeCsv("Replace=true,,", ["Force=true"])).toBe("Replace=true,Force=true");
  });
});
