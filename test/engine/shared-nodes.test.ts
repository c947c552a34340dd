import { describe, expect, it } from "@jest/globals";
import { editBlocker } from "../../src/engine/fix/shared-nodes.js";
import { parseManifestFile } from "../../src/engine/manifests/parse-manifests.js";

/**
 * editBlocker: a fix never edits annotations that other objects share (an anchor or alias) or that something else
 * provides (a merge key), nor metadata a Helm template writes in several branches; for each it says why, and for an
 * ordinary Job it lets the fix through.
 */

/** The blocker of the last object of the text (the Job, after any object that sets an anchor). */
function blockerOf(text: string, path = "list.yaml"): string | null {
  const outcome = parseManifestFile(path, text);
  if (!outcome.ok) throw new Error(outcome.reason);
  const object = outcome.file.objects.at(-1);
  if (!object) throw new Error("no object");
  return editBlocker(outcome.file, object);
}

/** A List whose first item, a ConfigMap, defines `&shared`, and whose second item is the Job with `metadata`. */
const listWith = (metadata: string, top = "") => `apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: ConfigMap
    metadata: &shared
      name: defaults
      annotations: &notes
        team: payments
      labels:
        tier: &tier backend
  - apiVersion: batch/v1
    kind: Job
${top}${metadata}`;

const template = (metadata: string) =>
  `apiVersion: batch/v1\nkind: Job\n${metadata}spec:\n  template:\n    spec:\n      restartPolicy: Never\n`;

describe("editBlocker", () => {
  it.each([
    ["an ordinary Job", listWith("    metadata:\n      name: a\n      annotations:\n        team: x\n")],
    ["a Job without annotations", listWith("    metadata:\n      name: a\n")],
    ["a Job without metadata or merge key", listWith("    spec: {}\n")],
    ["a Job whose metadata is not a map", listWith("    metadata: 3\n")],
    [
      "a Job whose annotations are not a map",
      listWith("    metadata:\n      name: a\n      annotations: x\n"),
    ],
    [
      'a Job with a quoted "<<" annotation key (a string, not a merge key)',
      listWith('    metadata:\n      name: a\n      annotations:\n        "<<": x\n'),
    ],
  ])("lets the fix through for %s", (_label, text) => {
    expect(blockerOf(text)).toBeNull();
  });

  it.each([
    [
      "metadata from a merge key",
      listWith("", "    <<: *shared\n"),
      "the Job's metadata comes from a YAML merge key (<<): change it by hand",
    ],
    [
      "metadata that is an alias",
      listWith("    metadata: *shared\n"),
      "the Job's metadata map is the YAML alias *shared, shared with whatever else uses the anchor: change it where &shared is defined",
    ],
    [
      "metadata that carries an anchor",
      listWith("    metadata: &mine\n      name: a\n"),
      "the Job's metadata map carries the YAML anchor &mine: other objects may share it through aliases, and an edit would change them too",
    ],
    [
      "metadata that takes keys from a merge key, with no annotations of its own",
      listWith("    metadata:\n      <<: *shared\n      name: a\n"),
      "the Job's metadata takes keys from a YAML merge key (<<), which may provide its annotations: an annotations map added here would replace the merged one; write the Job's annotations by hand",
    ],
    [
      "annotations that are an alias",
      listWith("    metadata:\n      name: a\n      annotations: *notes\n"),
      "the Job's annotations map is the YAML alias *notes, shared with whatever else uses the anchor: change it where &notes is defined",
    ],
    [
      "annotations that carry an anchor",
      listWith("    metadata:\n      name: a\n      annotations: &mine\n        team: x\n"),
      "the Job's annotations map carries the YAML anchor &mine: other objects may share it through aliases, and an edit would change them too",
    ],
    [
      "annotations that take some from a merge key",
      listWith("    metadata:\n      name: a\n      annotations:\n        <<: *notes\n        x: y\n"),
      "some of the Job's annotations come from a YAML merge key (<<): an annotation written beside it would override the merged one; change them by hand",
    ],
    [
      "an annotation whose value is an alias",
      listWith("    metadata:\n      name: a\n      annotations:\n        tier: *tier\n"),
      "the Job's annotation tier is the YAML alias *tier, shared with whatever else uses the anchor: change it where &tier is defined",
    ],
    [
      "an annotation whose value carries an anchor",
      listWith("    metadata:\n      name: a\n      annotations:\n        team: &t x\n"),
      "the Job's annotation team carries the YAML anchor &t: other objects may share it through aliases, and an edit would change them too",
    ],
  ])("blocks the fix for %s, saying why", (_label, text, reason) => {
    expect(blockerOf(text)).toBe(reason);
  });

  it.each([
    [
      "metadata",
      "{{- if .Values.a }}\nmetadata:\n  name: a\n{{- else }}\nmetadata:\n  name: b\n{{- end }}\n",
      "the Job's metadata is written more than once (in Helm if/else branches): a fix would reach only one branch; add it to each branch by hand",
    ],
    [
      "annotations",
      "metadata:\n  name: a\n{{- if .Values.a }}\n  annotations:\n    x: y\n{{- else }}\n  annotations:\n    x: z\n{{- end }}\n",
      "metadata.annotations is written more than once (in Helm if/else branches): a fix would reach only one branch; add it to each branch by hand",
    ],
    [
      "the name",
      "metadata:\n{{- if .Values.a }}\n  name: a\n{{- else }}\n  name: b\n{{- end }}\n",
      "metadata.name is written more than once (in Helm if/else branches): a fix would reach only one branch; add it to each branch by hand",
    ],
    [
      "one annotation",
      "metadata:\n  name: a\n  annotations:\n{{- if .Values.a }}\n    argocd.argoproj.io/hook: PreSync\n{{- else }}\n    argocd.argoproj.io/hook: Sync\n{{- end }}\n",
      "annotation argocd.argoproj.io/hook is written more than once (in Helm if/else branches): a fix would reach only one branch; add it to each branch by hand",
    ],
  ])("blocks the fix when Helm branches each write %s", (_label, metadata, reason) => {
    expect(blockerOf(template(metadata), "chart/templates/job.yaml")).toBe(reason);
  });

  it("lets a fix through when Helm branches repeat keys it never edits", () => {
    const metadata =
      "metadata:\n  name: a\n{{- if .Values.a }}\n  labels:\n    x: y\n{{- else }}\n  labels:\n    x: z\n{{- end }}\n";

    expect(blockerOf(template(metadata), "chart/templates/job.yaml")).toBeNull();
  });
});
