import { describe, expect, it } from "@jest/globals";
import { mergeCsv } from "../../src/engine/fix/annotation-edits.js";
import { applyEdits, takeNonConflicting, unifiedDiff } from "../../src/engine/fix/text-edit.js";
import { deepEqual } from "../../src/engine/immutable/job-update.js";
import type { AnnotationChange, RuleModule } from "../../src/engine/rule-api.js";
import { RULES } from "../../src/rules/index.js";
import { invalidHookAnnotation } from "../../src/rules/invalid-hook-annotation.js";
import { fixRepository, scanRepository } from "../../src/engine/scan.js";
import type { TextEdit } from "../../src/engine/types.js";

/**
 * The promises the fix engine makes before any fix reaches a user, each tested by a rule built to break it: the engine
 * takes its rules from the caller, so a test can hand it a rule whose fix misbehaves and watch it be withdrawn.
 */

const JOB = `apiVersion: batch/v1
kind: Job
metadata:
  name: probe
  annotations:
    team: payments
    argocd.argoproj.io/hook: PreSync
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: main
          image: busybox
`;

/** Reports every Job until it carries `probe/done`, and proposes the annotation changes it is given as the fix. */
function probeRule(changes: readonly AnnotationChange[]): RuleModule {
  return {
    meta: {
      id: "probe",
      defaultSeverity: "warning",
      description: "A rule whose fix is whatever the test asks for.",
      fixable: "safe",
      messages: { probe: "{{job}} is probed." },
    },
    checkJob(ctx, job) {
      if (job.annotations.has("probe/done")) return [];
      const edits = ctx.fixer.annotations(job, changes);
      return [
        {
          messageId: "probe",
          data: { job: job.name ?? "" },
          fix: edits ? { fix: { kind: "safe", description: "probe", edits } } : { noFixReason: "no edits" },
        },
      ];
    },
  };
}

function scanWith(rule: RuleModule, content = JOB) {
  const files = [{ path: "job.yaml", content }];
  return {
    finding: scanRepository({ rules: [rule], files }).findings[0],
    fixes: fixRepository({ rules: [rule], files }).fixes,
  };
}

describe("a fix is proposed only when it is proven", () => {
  it("a fix that clears its finding and touches nothing else is kept (the control case)", () => {
    const { finding, fixes } = scanWith(probeRule([{ key: "probe/done", set: "yes" }]));

    expect(finding?.fix?.kind).toBe("safe");
    expect(finding?.message).toBe("probe is probed.");
    expect(fixes[0]?.after).toContain(`    probe/done: "yes"\n`);
  });

  it("a fix never changes another annotation: one that rewrites `team` is withdrawn, saying why", () => {
    const { finding, fixes } = scanWith(
      probeRule([
        { key: "probe/done", set: "yes" },
        { key: "team", set: "search" },
      ]),
    );

    expect(finding?.fix).toBeNull();
    expect(finding?.noFixReason).toBe("no automatic fix: the fix would change the annotation team");
    expect(fixes).toEqual([]);
  });

  it("a fix may change the annotations it owns (the hook annotation here) when its finding goes away", () => {
    const { finding } = scanWith(
      probeRule([
        { key: "probe/done", set: "yes" },
        { key: "argocd.argoproj.io/hook", set: "Sync" },
      ]),
    );

    expect(finding?.fix?.kind).toBe("safe");
  });

  it("a fix whose finding remains is withdrawn", () => {
    const { finding, fixes } = scanWith(
      probeRule([{ key: "argocd.argoproj.io/hook-delete-policy", set: "HookFailed" }]),
    );

    expect(finding?.fix).toBeNull();
    expect(finding?.noFixReason).toBe("no automatic fix: the finding remains after the fix");
    expect(fixes).toEqual([]);
  });

  it("a fix that brings up a finding without a fix is withdrawn", () => {
    // A hook value that is not a hook type: invalid-hook-annotation reports it and cannot guess the intent.
    const rule = probeRule([
      { key: "probe/done", set: "yes" },
      { key: "argocd.argoproj.io/hook", set: "Whenever" },
    ]);

    const alone = scanRepository({ rules: [rule], files: [{ path: "job.yaml", content: JOB }] }).findings[0];
    const beside = scanRepository({
      rules: [rule, invalidHookAnnotation],
      files: [{ path: "job.yaml", content: JOB }],
    }).findings.find((f) => f.rule === "probe");

    expect(alone?.fix?.kind).toBe("safe");
    expect(beside?.noFixReason).toBe(
      "no automatic fix: it would bring up invalid-hook-annotation, which has no fix",
    );
  });

  it("a fix whose edits overlap is withdrawn", () => {
    const overlapping: RuleModule = {
      ...probeRule([]),
      checkJob(ctx, job) {
        const edits = ctx.fixer.annotations(job, [{ key: "probe/done", set: "yes" }]) ?? [];
        // Two rewrites of the Job's name that share characters: which one wins is undefined.
        const name = JOB.indexOf("probe\n");
        const twice = [
          ...edits,
          { start: name, end: name + 5, text: "a" },
          { start: name + 2, end: name + 5, text: "b" },
        ];
        return job.annotations.has("probe/done")
          ? []
          : [
              {
                messageId: "probe",
                data: { job: "probe" },
                fix: { fix: { kind: "safe", description: "", edits: twice } },
              },
            ];
      },
    };

    const { finding } = scanWith(overlapping);

    expect(finding?.noFixReason).toBe("no automatic fix: its edits overlap");
  });
});

/** A probe whose fix is `probe/done` plus raw edits the test computes from the file's text. */
function rawEditRule(extra: (text: string) => TextEdit[]): RuleModule {
  return {
    ...probeRule([]),
    checkJob(ctx, job) {
      if (job.annotations.has("probe/done")) return [];
      const edits = ctx.fixer.annotations(job, [{ key: "probe/done", set: "yes" }]) ?? [];
      return [
        {
          messageId: "probe",
          data: { job: job.name ?? "" },
          fix: { fix: { kind: "safe", description: "", edits: [...edits, ...extra(job.file.text)] } },
        },
      ];
    },
  };
}

describe("what a fix may change", () => {
  const withdrawn = (extra: (text: string) => TextEdit[], content = JOB) =>
    scanWith(rawEditRule(extra), content).finding?.noFixReason;

  it("a fix that drops another annotation is withdrawn", () => {
    expect(
      withdrawn((t) => [{ start: t.indexOf("    team:"), end: t.indexOf("    argocd"), text: "" }]),
    ).toBe("no automatic fix: the fix would drop the annotation team");
  });

  it("a fix that changes the Job's spec is withdrawn", () => {
    expect(
      withdrawn((t) => [{ start: t.indexOf("busybox"), end: t.indexOf("busybox") + 7, text: "alpine" }]),
    ).toBe("no automatic fix: the fix would change more than the Job's annotations and name");
  });

  it("a fix that changes the Job's other metadata (its namespace) is withdrawn", () => {
    expect(
      withdrawn((t) => [
        { start: t.indexOf("  annotations:"), end: t.indexOf("  annotations:"), text: "  namespace: b\n" },
      ]),
    ).toBe("no automatic fix: the fix would change more than the Job's annotations and name");
  });

  it("a fix that turns the annotations into something else (here a generateName) is withdrawn, naming what it drops", () => {
    // Only annotations, name and generateName may change on the fixed Job: with its annotations gone, the check must
    // still say which one is dropped, not fail on annotations that are no map.
    const reason = withdrawn((t) => {
      const at = t.indexOf("annotations:");
      return [{ start: at, end: at + "annotations".length, text: "generateName" }];
    });

    expect(reason).toBe("no automatic fix: the fix would drop the annotation team");
  });

  it("a fix that would leave the file unparsable is withdrawn", () => {
    expect(
      withdrawn((t) => [{ start: t.indexOf("spec:"), end: t.indexOf("spec:"), text: "[: {\n" }]),
    ).toMatch(/^no automatic fix: the fixed file would not parse/);
  });

  it("a fix that adds an object is withdrawn", () => {
    const second = "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\n";
    expect(withdrawn((t) => [{ start: t.length, end: t.length, text: second }])).toBe(
      "no automatic fix: the fixed file would hold a different number of objects",
    );
  });

  it("a fix whose edits reach into another document of the file is withdrawn", () => {
    const content = `${JOB}---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: other\n`;

    const reason = withdrawn((t) => {
      const other = t.indexOf("name: other");
      return [{ start: other, end: other + 11, text: "name: changed" }];
    }, content);

    expect(reason).toBe("no automatic fix: its edits reach outside the Job's document");
  });

  it("a fix whose edits reach back into the document before the Job's is withdrawn", () => {
    const content = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: other\n---\n${JOB}`;

    const reason = withdrawn((t) => {
      const other = t.indexOf("name: other");
      return [{ start: other, end: other + 11, text: "name: changed" }];
    }, content);

    expect(reason).toBe("no automatic fix: its edits reach outside the Job's document");
  });

  it("--fix applies safe fixes and never a suggestion", () => {
    const migration = JOB.replace("PreSync", "Sync").replace("image: busybox", "image: flyway/flyway:10");

    const { result, fixes } = fixRepository({
      rules: RULES,
      files: [{ path: "job.yaml", content: migration }],
    });

    expect(result.findings.map((f) => [f.rule, f.fix?.kind])).toEqual([
      ["migration-not-presync", "suggestion"],
    ]);
    expect(fixes).toEqual([]);
  });
});

describe("annotation edits", () => {
  const fixed = (content: string) => scanWith(probeRule([{ key: "probe/done", set: "yes" }]), content);

  it.each([
    ["an empty annotations key", "  annotations:\n"],
    ["annotations: ~", "  annotations: ~\n"],
    ["annotations: null", "  annotations: null\n"],
  ])("%s gets the annotation as its map", (_label, annotations) => {
    const content = JOB.replace(/ {2}annotations:\n( {4}.*\n)+/, annotations);

    const { fixes } = fixed(content);

    expect(fixes[0]?.after).toBe(content.replace(annotations, '  annotations:\n    probe/done: "yes"\n'));
  });

  it("an empty flow map gets the annotation inside its braces", () => {
    const content = JOB.replace(/ {2}annotations:\n( {4}.*\n)+/, "  annotations: {}\n");

    expect(fixed(content).fixes[0]?.after).toContain('  annotations: {probe/done: "yes"}\n');
  });

  it("an annotation whose value is not a plain scalar is not edited: no fix, rather than a guess", () => {
    const content = JOB.replace(
      "    team: payments\n",
      "    probe/done-not: x\n    argocd.argoproj.io/hook-delete-policy: [HookFailed]\n",
    );
    const rule = probeRule([
      { key: "argocd.argoproj.io/hook-delete-policy", mergeTokens: ["BeforeHookCreation"] },
    ]);

    expect(scanWith(rule, content).finding?.noFixReason).toBe("no edits");
  });
});

describe("mergeCsv keeps the user's tokens and spacing", () => {
  it.each([
    ["a missing token is appended", "HookFailed", ["BeforeHookCreation"], "HookFailed,BeforeHookCreation"],
    [
      "a present token is not repeated",
      "HookFailed,BeforeHookCreation",
      ["BeforeHookCreation"],
      "HookFailed,BeforeHookCreation",
    ],
    [
      "nothing to add leaves the value untouched, spaces and all",
      " HookFailed ",
      ["HookFailed"],
      " HookFailed ",
    ],
    ["the user's separator is kept", "A, B", ["C"], "A, B, C"],
    ["a trailing comma is not doubled", "A,", ["B"], "A,B"],
    ["an empty value gets the tokens alone", "", ["A", "B"], "A,B"],
  ])("%s", (_label, current, tokens, expected) => {
    expect(mergeCsv(current, tokens)).toBe(expected);
  });
});

/** The lines of a diff hunk that adds `probe/done` to JOB's annotations, after its `@@` line. */
const PROBE_DONE_HUNK = [
  "   annotations:",
  "     team: payments",
  "     argocd.argoproj.io/hook: PreSync",
  '+    probe/done: "yes"',
  " spec:",
  "   template:",
  "     spec:",
];

describe("the diff of a fix", () => {
  it("shows the changed lines with three lines of context, at their lines in the file", () => {
    const content = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: first\n---\n${JOB}`;

    const diff = scanWith(probeRule([{ key: "probe/done", set: "yes" }]), content).finding?.fix?.diff;

    expect(diff).toBe(
      ["--- a/job.yaml", "+++ b/job.yaml", "@@ -10,6 +10,7 @@", ...PROBE_DONE_HUNK, ""].join("\n"),
    );
  });
});

describe("the diff of a fix with edits far apart", () => {
  const labels = ["a", "b", "c", "d", "e", "f"].map((k, i) => `    ${k}: "${i}"\n`).join("");
  const rename = (text: string): TextEdit[] => {
    const at = text.indexOf("name: probe") + "name: ".length;
    return [{ start: at, end: at + "probe".length, text: "probe-2" }];
  };
  const diffOf = (content: string) => scanWith(rawEditRule(rename), content).finding?.fix?.diff;

  it("shows each change with its own three lines of context, the first edit and the last", () => {
    const content = JOB.replace("  annotations:", `  labels:\n${labels}  annotations:`);

    expect(diffOf(content)).toBe(
      [
        "--- a/job.yaml",
        "+++ b/job.yaml",
        "@@ -1,7 +1,7 @@",
        " apiVersion: batch/v1",
        " kind: Job",
        " metadata:",
        "-  name: probe",
        "+  name: probe-2",
        "   labels:",
        '     a: "0"',
        '     b: "1"',
        "@@ -12,6 +12,7 @@",
        ...PROBE_DONE_HUNK,
        "",
      ].join("\n"),
    );
  });

  it("never shows lines of the next document as context", () => {
    // The Job's metadata comes last in its document: the context after the new annotation stops at the document's end.
    const spec = JOB.slice(JOB.indexOf("spec:"));
    const metadata = JOB.slice(JOB.indexOf("metadata:"), JOB.indexOf("spec:"));
    const content = `apiVersion: batch/v1\nkind: Job\n${spec}${metadata}---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: after\n`;

    const diff = diffOf(content);

    expect(diff).toContain('+    probe/done: "yes"\n');
    expect(diff).not.toContain("\n ---\n");
    expect(diff).not.toContain("ConfigMap");
    expect(diff?.endsWith('     argocd.argoproj.io/hook: PreSync\n+    probe/done: "yes"\n')).toBe(true);
  });
});

describe("applyEdits refuses overlapping edits", () => {
  const text = "0123456789";

  it.each<[string, TextEdit[], string, number]>([
    [
      "disjoint edits are both applied",
      [
        { start: 1, end: 2, text: "a" },
        { start: 5, end: 6, text: "b" },
      ],
      "0a234b6789",
      0,
    ],
    [
      "edits that touch end to start are both applied",
      [
        { start: 1, end: 3, text: "a" },
        { start: 3, end: 4, text: "b" },
      ],
      "0ab456789",
      0,
    ],
    [
      "an edit starting inside another is refused",
      [
        { start: 1, end: 4, text: "a" },
        { start: 3, end: 6, text: "b" },
      ],
      "0a456789",
      1,
    ],
    [
      "an edit inside another is refused",
      [
        { start: 1, end: 8, text: "a" },
        { start: 3, end: 4, text: "b" },
      ],
      "0a89",
      1,
    ],
    [
      "the same range twice: the second is refused",
      [
        { start: 2, end: 4, text: "a" },
        { start: 2, end: 4, text: "b" },
      ],
      "01a456789",
      1,
    ],
    ["an edit that ends before it starts is refused", [{ start: 4, end: 2, text: "a" }], text, 1],
    ["an edit past the end of the text is refused", [{ start: 8, end: 11, text: "a" }], text, 1],
  ])("%s", (_label, edits, expected, rejected) => {
    const result = applyEdits(text, edits);

    expect(result.text).toBe(expected);
    expect(result.rejected).toHaveLength(rejected);
    expect(result.applied).toHaveLength(edits.length - rejected);
  });

  it.each([
    ["insertion first", 0],
    ["replacement first", 1],
  ])(
    "an insertion at the start of a replaced range is applied before it, whatever the order given (%s)",
    (_label, first) => {
      const edits = [
        { start: 2, end: 2, text: "I" },
        { start: 2, end: 4, text: "R" },
      ];
      const given = first === 0 ? edits : [...edits].reverse();

      const result = applyEdits(text, given);

      expect(result.text).toBe("01IR456789");
      expect(result.rejected).toEqual([]);
    },
  );

  it("an edit that ends exactly at the end of the text is applied", () => {
    expect(applyEdits(text, [{ start: 8, end: 10, text: "X" }]).text).toBe("01234567X");
  });

  it("applies edits given in any order, as if from the end", () => {
    const result = applyEdits(text, [
      { start: 8, end: 9, text: "X" },
      { start: 0, end: 1, text: "Y" },
    ]);

    expect(result.text).toBe("Y1234567X9");
  });
});

describe("takeNonConflicting: two fixes never edit the same text in one pass", () => {
  const at = (start: number, end: number, text = "x"): TextEdit => ({ start, end, text });

  it.each<[string, TextEdit[][], TextEdit[]]>([
    ["disjoint fixes are both taken", [[at(0, 1)], [at(3, 4)]], [at(0, 1), at(3, 4)]],
    ["a fix overlapping a taken one waits", [[at(0, 3)], [at(2, 5)]], [at(0, 3)]],
    ["a fix overlapping from the left waits", [[at(2, 5)], [at(0, 3)]], [at(2, 5)]],
    [
      "two insertions at one place conflict (their order is unknown)",
      [[at(2, 2, "a")], [at(2, 2, "b")]],
      [at(2, 2, "a")],
    ],
    ["an insertion inside a replaced range conflicts", [[at(1, 4)], [at(2, 2)]], [at(1, 4)]],
    ["a replacement that starts at a taken insertion conflicts", [[at(2, 2)], [at(2, 4)]], [at(2, 2)]],
    ["adjacent ranges do not conflict", [[at(0, 2)], [at(2, 4)]], [at(0, 2), at(2, 4)]],
    [
      "a range ending where a taken one starts does not conflict",
      [[at(2, 4)], [at(0, 2)]],
      [at(0, 2), at(2, 4)],
    ],
    ["a fix before a taken one, apart from it, is taken", [[at(5, 6)], [at(0, 2)]], [at(0, 2), at(5, 6)]],
    ["a fix is taken whole or not at all", [[at(5, 6)], [at(0, 1), at(5, 7)]], [at(5, 6)]],
  ])("%s", (_label, groups, expected) => {
    expect(takeNonConflicting(groups)).toEqual(expected);
  });
});

describe("unifiedDiff", () => {
  const lines = (n: number, changed: number) =>
    Array.from({ length: n }, (_, i) => (i === changed ? "changed" : `line ${i + 1}`)).join("\n") + "\n";

  it("shows three lines of context, as git does", () => {
    const diff = unifiedDiff("a.yaml", lines(20, -1), lines(20, 9));

    expect(diff).toContain("@@ -7,7 +7,7 @@\n line 7\n line 8\n line 9\n-line 10\n+changed\n line 11\n");
  });

  it("places a diff of an excerpt at its lines in the whole file", () => {
    const diff = unifiedDiff("a.yaml", lines(20, -1), lines(20, 9), 100);

    expect(diff).toContain("@@ -107,7 +107,7 @@");
    expect(diff.startsWith("--- a/a.yaml\n+++ b/a.yaml\n")).toBe(true);
  });
});

describe("deepEqual, on which the fix-safety and immutable-field checks stand", () => {
  it.each<[string, unknown, unknown, boolean]>([
    ["equal arrays", [1, { a: [2] }], [1, { a: [2] }], true],
    ["arrays that differ after a first equal item", [1, 2], [1, 3], false],
    ["arrays that differ only in their last item", ["a", "b", "c"], ["a", "b", "d"], false],
    ["arrays of different lengths", [1, 2], [1, 2, 3], false],
    ["an array and an object", [1], { 0: 1 }, false],
    ["maps with a key missing on one side", { a: 1 }, { a: 1, b: 2 }, false],
    ["maps equal in any key order", { a: 1, b: [1] }, { b: [1], a: 1 }, true],
    ["a scalar and its string", 1, "1", false],
  ])("%s", (_label, a, b, equal) => {
    expect(deepEqual(a, b)).toBe(equal);
    expect(deepEqual(b, a)).toBe(equal);
  });

  it("a fix that reorders a container's args is withdrawn: arrays are compared item by item", () => {
    const job = JOB.replace("image: busybox\n", 'image: busybox\n          args: ["a", "b"]\n');
    const swapArgs: RuleModule = {
      ...probeRule([]),
      checkJob(ctx, view) {
        if (view.annotations.has("probe/done")) return [];
        const edits = ctx.fixer.annotations(view, [{ key: "probe/done", set: "yes" }]) ?? [];
        const args = job.indexOf('["a", "b"]');
        return [
          {
            messageId: "probe",
            data: { job: "probe" },
            fix: {
              fix: {
                kind: "safe",
                description: "",
                edits: [...edits, { start: args, end: args + 10, text: '["a", "c"]' }],
              },
            },
          },
        ];
      },
    };

    const { finding } = scanWith(swapArgs, job);

    expect(finding?.noFixReason).toBe(
      "no automatic fix: the fix would change more than the Job's annotations and name",
    );
  });
});
