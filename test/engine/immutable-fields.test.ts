import { describe, expect, it } from "@jest/globals";
import { immutableFieldChanges } from "../../src/engine/immutable/job-update.js";

/**
 * Kubernetes' ValidateJobSpecUpdate (kubernetes pkg/apis/batch/validation/validation.go), field by field, for a
 * Job in NonIndexed (the default) and Indexed completion mode: the immutable-change rule is only as right as this table.
 */

const TEMPLATE = { spec: { containers: [{ name: "main", image: "app:1" }], restartPolicy: "Never" } };

function spec(mode: "NonIndexed" | "Indexed", extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { completionMode: mode, completions: 3, parallelism: 3, template: TEMPLATE, ...extra };
}

const IMMUTABLE: [string, unknown, unknown, string][] = [
  [
    "selector",
    { matchLabels: { a: "1" } },
    { matchLabels: { a: "2" } },
    "spec.selector: Invalid value: metav1.LabelSelector{…}: field is immutable",
  ],
  [
    "podFailurePolicy",
    { rules: [] },
    { rules: [{ action: "FailJob" }] },
    "spec.podFailurePolicy: Invalid value: batch.PodFailurePolicy{…}: field is immutable",
  ],
  ["backoffLimitPerIndex", 1, 2, "spec.backoffLimitPerIndex: Invalid value: 2: field is immutable"],
  [
    "managedBy",
    "kueue.x-k8s.io/multikueue",
    "other",
    'spec.managedBy: Invalid value: "other": field is immutable',
  ],
  [
    "successPolicy",
    { rules: [] },
    { rules: [{ succeededCount: 1 }] },
    "spec.successPolicy: Invalid value: batch.SuccessPolicy{…}: field is immutable",
  ],
];

const MUTABLE: [string, unknown, unknown][] = [
  ["parallelism", 3, 5],
  ["activeDeadlineSeconds", 60, 120],
  ["backoffLimit", 1, 6],
  ["suspend", false, true],
  ["ttlSecondsAfterFinished", 60, 600],
  ["maxFailedIndexes", 1, 2],
  ["podReplacementPolicy", "TerminatingOrFailed", "Failed"],
];

describe.each(["NonIndexed", "Indexed"] as const)("ValidateJobSpecUpdate, %s Job", (mode) => {
  it.each(IMMUTABLE)("a changed %s is refused", (field, before, after, error) => {
    const changes = immutableFieldChanges(spec(mode, { [field]: before }), spec(mode, { [field]: after }));

    expect(changes).toEqual([{ field: `spec.${field}`, error, details: [] }]);
  });

  it.each(IMMUTABLE)("a %s added where there was none is refused, removed is refused too", (field, value) => {
    const added = immutableFieldChanges(spec(mode), spec(mode, { [field]: value }));
    const removed = immutableFieldChanges(spec(mode, { [field]: value }), spec(mode));

    expect(added.map((c) => c.field)).toEqual([`spec.${field}`]);
    expect(removed).toEqual([
      {
        field: `spec.${field}`,
        error: `spec.${field}: Invalid value: "null": field is immutable`,
        details: [],
      },
    ]);
  });

  it.each(MUTABLE)("a changed %s is accepted", (field, before, after) => {
    expect(immutableFieldChanges(spec(mode, { [field]: before }), spec(mode, { [field]: after }))).toEqual(
      [],
    );
  });

  it("an unchanged spec is accepted", () => {
    expect(immutableFieldChanges(spec(mode), spec(mode))).toEqual([]);
  });

  it("a changed pod template is refused, naming the paths that differ", () => {
    const after = { spec: { containers: [{ name: "main", image: "app:2" }], restartPolicy: "Never" } };

    const changes = immutableFieldChanges(spec(mode), spec(mode, { template: after }));

    expect(changes).toEqual([
      {
        field: "spec.template",
        error: "spec.template: Invalid value: core.PodTemplateSpec{…}: field is immutable",
        details: ["spec.template.spec.containers[0].image"],
      },
    ]);
  });
});

describe("completions", () => {
  it("a changed completions on a NonIndexed Job (the common case) is refused", () => {
    const changes = immutableFieldChanges(spec("NonIndexed"), spec("NonIndexed", { completions: 5 }));

    expect(changes).toEqual([
      {
        field: "spec.completions",
        error: "spec.completions: Invalid value: 5: field is immutable",
        details: [],
      },
    ]);
  });

  it("a Job without completionMode is NonIndexed: a changed completions is refused", () => {
    const changes = immutableFieldChanges(
      { completions: 1, template: TEMPLATE },
      { completions: 2, template: TEMPLATE },
    );

    expect(changes.map((c) => c.error)).toEqual(["spec.completions: Invalid value: 2: field is immutable"]);
  });

  it("an Indexed Job may change completions in tandem with parallelism (elastic Indexed Jobs)", () => {
    expect(
      immutableFieldChanges(spec("Indexed"), spec("Indexed", { completions: 5, parallelism: 5 })),
    ).toEqual([]);
  });

  it("an Indexed Job whose new completions differ from its new parallelism is refused", () => {
    const changes = immutableFieldChanges(
      spec("Indexed"),
      spec("Indexed", { completions: 5, parallelism: 3 }),
    );

    expect(changes).toEqual([
      {
        field: "spec.completions",
        error: "spec.completions: Invalid value: 5: can only be modified in tandem with spec.parallelism",
        details: [],
      },
    ]);
  });

  it("a changed completionMode is refused, and judged by the new mode", () => {
    const changes = immutableFieldChanges(spec("NonIndexed"), spec("Indexed"));

    expect(changes).toEqual([
      {
        field: "spec.completionMode",
        error: 'spec.completionMode: Invalid value: "Indexed": field is immutable',
        details: [],
      },
    ]);
  });

  it("every refused field is reported at once, template first", () => {
    const changes = immutableFieldChanges(
      spec("NonIndexed"),
      spec("NonIndexed", { completions: 4, selector: { matchLabels: { a: "1" } }, template: {} }),
    );

    expect(changes.map((c) => c.field)).toEqual(["spec.template", "spec.completions", "spec.selector"]);
  });
});

describe("the pod template's differences, as the message names them", () => {
  it("names at most five paths, inside maps and same-length lists, and a list whose length changed as a whole", () => {
    const before = {
      metadata: { labels: { a: "1" } },
      spec: { containers: [{ image: "x", args: ["1"] }], volumes: [1] },
    };
    const after = {
      metadata: { labels: { a: "2", b: "3" } },
      spec: {
        containers: [{ image: "y", args: ["2"] }],
        volumes: [1, 2],
        hostNetwork: true,
        dnsPolicy: "None",
      },
    };

    const [change] = immutableFieldChanges({ template: before }, { template: after });

    expect(change?.details).toEqual([
      "spec.template.metadata.labels.a",
      "spec.template.metadata.labels.b",
      "spec.template.spec.containers[0].image",
      "spec.template.spec.containers[0].args[0]",
      "spec.template.spec.volumes",
    ]);
  });
});
