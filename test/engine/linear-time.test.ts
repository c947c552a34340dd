import { describe, expect, it } from "@jest/globals";
import { RULES } from "../../src/rules/index.js";
import { DEFAULT_CONFIG } from "../../src/config/schema.js";
import {
  RECHECK_BUDGET_FACTOR,
  RECHECK_BUDGET_MIN,
  RECHECK_CHUNK_BYTES,
} from "../../src/engine/fix/verify-fix.js";
import type { JobView } from "../../src/engine/jobs/job-view.js";
import type { RuleModule } from "../../src/engine/rule-api.js";
import { findPair } from "../../src/engine/manifests/yaml-nodes.js";
import { isScalar } from "yaml";
import fc from "fast-check";
import { applyEdits, takeNonConflicting } from "../../src/engine/fix/text-edit.js";
import { maskTemplateActions, PLACEHOLDER } from "../../src/engine/manifests/helm-mask.js";
import { fixRepository, scanRepository } from "../../src/engine/scan.js";
import type { TextEdit } from "../../src/engine/types.js";

/**
 * The engine's time must grow with the input, not its square (bench/engine.js measures the adversarial shapes).
 * These tests pin the cheaper algorithms to the behaviour of the simple ones they replaced, and the bound on how
 * much text fix verification may parse again; no test here measures time.
 */

const job = (name: string, indent: string, extra = "") => `${indent}apiVersion: batch/v1
${indent}kind: Job
${indent}metadata:
${indent}  name: ${name}
${indent}spec:
${indent}  template:
${indent}    spec:
${indent}      restartPolicy: Never
${indent}      containers:
${indent}        - name: run
${indent}          image: ${extra || "busybox:1.36"}
`;

const listOf = (names: string[], image = "") =>
  `apiVersion: v1\nkind: List\nitems:\n${names.map((n) => job(n, "    ", image).replace(/^ {4}/, "  - ")).join("")}`;

/** The diff of the hook fix on the item `beta` of a listOf List, whose hunk starts at `line`. */
const betaHookDiff = (path: string, line: number) => `--- a/${path}
+++ b/${path}
@@ -${line},6 +${line},9 @@
     kind: Job
     metadata:
       name: beta
+      annotations:
+        argocd.argoproj.io/hook: Sync
+        argocd.argoproj.io/hook-delete-policy: BeforeHookCreation
     spec:
       template:
         spec:
`;

/** A List whose first item sets an anchor that every other item uses. */
const aliasedList = (count: number) =>
  listOf(["job-0"], "&image busybox:1.36") +
  Array.from({ length: count - 1 }, (_, i) =>
    job(`job-${i + 1}`, "    ", "*image").replace(/^ {4}/, "  - "),
  ).join("");

/** Reports every Job it is told to until it carries `probe/done`; its fix adds that annotation. */
function probeRule(clears: (job: JobView) => boolean): RuleModule {
  return {
    meta: {
      id: "probe",
      defaultSeverity: "warning",
      description: "A rule whose fix clears its finding on the Jobs the test says.",
      fixable: "safe",
      messages: { probe: "probed" },
    },
    checkJob(ctx, job) {
      if (job.annotations.has("probe/done")) return [];
      const edits = ctx.fixer.annotations(job, [
        { key: clears(job) ? "probe/done" : "probe/tried", set: "yes" },
      ]);
      return [
        {
          messageId: "probe",
          data: {},
          fix: edits ? { fix: { kind: "safe", description: "probe", edits } } : { noFixReason: "no edits" },
        },
      ];
    },
  };
}

/** The probe rule whose fix on some Jobs also makes an edit of the test's choosing. */
function probeWithExtraEdit(extra: (job: JobView) => TextEdit | null): RuleModule {
  return {
    ...probeRule(() => true),
    checkJob(ctx, job) {
      if (job.annotations.has("probe/done")) return [];
      const edits = ctx.fixer.annotations(job, [{ key: "probe/done", set: "yes" }]);
      if (!edits) return [];
      const more = extra(job);
      if (more) edits.push(more);
      return [{ messageId: "probe", data: {}, fix: { fix: { kind: "safe", description: "probe", edits } } }];
    },
  };
}

/**
 * The probe whose fix on the Job `on` also inserts `text` at the first `before` (or right after the first `after`)
 * found below `below` in the file.
 */
function probeAlsoInserting(
  options: { on: string; below: string; text: string } & ({ before: string } | { after: string }),
): RuleModule {
  return probeWithExtraEdit((job) => {
    if (job.name !== options.on) return null;
    const marker = "before" in options ? options.before : options.after;
    const found = job.file.text.indexOf(marker, job.file.text.indexOf(options.below));
    const at = "before" in options ? found : found + marker.length;
    return { start: at, end: at, text: options.text };
  });
}

describe("fixes on the items of a kind: List", () => {
  it("are verified on each item alone, with the diff placed at the item's lines in the file", () => {
    const text = listOf(["alpha", "beta", "gamma"]);

    const result = scanRepository({ rules: RULES, files: [{ path: "list.yaml", content: text }] });
    const { fixes } = fixRepository({ rules: RULES, files: [{ path: "list.yaml", content: text }] });

    expect(result.findings.map((f) => [f.name, f.fix?.kind])).toEqual([
      ["alpha", "safe"],
      ["beta", "safe"],
      ["gamma", "safe"],
    ]);
    // As a diff computed on the whole document: placed at the item's lines in the file.
    expect(result.findings[1]?.fix?.diff).toBe(betaHookDiff("list.yaml", 16));
    expect(fixes[0]?.after.match(/argocd\.argoproj\.io\/hook: Sync/g)).toHaveLength(3);
  });

  it("are verified on the whole document when an item uses an anchor set in another item", () => {
    const text =
      listOf(["alpha"], "&image busybox:1.36") + job("beta", "    ", "*image").replace(/^ {4}/, "  - ");

    const result = scanRepository({ rules: RULES, files: [{ path: "list.yaml", content: text }] });

    expect(result.findings.map((f) => [f.name, f.fix?.kind, f.noFixReason])).toEqual([
      ["alpha", "safe", null],
      ["beta", "safe", null],
    ]);
  });

  it("that each need their document are verified together, in one parse of it, however many there are", () => {
    // Every item uses the anchor of the first (under the alias limit of 100), so none can be verified alone; one at a
    // time on the whole document, the re-checks would parse 90 times the file.
    const text = aliasedList(90);

    const result = scanRepository({ rules: RULES, files: [{ path: "list.yaml", content: text }] });

    expect(result.findings).toHaveLength(90);
    expect(result.findings.filter((f) => f.fix?.kind === "safe")).toHaveLength(90);
  });

  it("that each need their document are verified together when each fix renames its own Job (generateName)", () => {
    const config = { ...DEFAULT_CONFIG, fix: { ...DEFAULT_CONFIG.fix, strategy: "generateName" as const } };

    const result = scanRepository({
      rules: RULES,
      config,
      files: [{ path: "list.yaml", content: aliasedList(90) }],
    });

    expect(result.findings.filter((f) => f.fix?.diff.includes("+      generateName: job-"))).toHaveLength(90);
  });

  it("are each re-checked alone when one of them fails together, within a bounded multiple of the file", () => {
    // One Job's fix leaves its finding: the chunk (the whole document) and the re-check together fail, so each is
    // re-checked on the whole document alone, and past three times the file (plus 256 KiB) in re-parses, the rest
    // are withdrawn, saying why.
    const text = aliasedList(90);
    const stubborn = probeRule((job) => job.name !== "job-7");

    const result = scanRepository({ rules: [stubborn], files: [{ path: "list.yaml", content: text }] });

    const withFix = result.findings.filter((f) => f.fix !== null);
    const overBudget = result.findings.filter((f) => f.noFixReason?.includes("past the limit for one file"));
    expect(result.findings).toHaveLength(90);
    expect(result.findings.find((f) => f.name === "job-7")?.noFixReason).toBe(
      "no automatic fix: the finding remains after the fix",
    );
    // The failed chunk and the failed re-check together (the file twice) come out of the budget; no item is
    // re-checked alone (each uses the anchor).
    const documentsAllowed = Math.floor(
      (RECHECK_BUDGET_FACTOR * text.length + RECHECK_BUDGET_MIN - 2 * text.length) / text.length,
    );
    expect(withFix.length).toBeLessThanOrEqual(documentsAllowed + 1);
    expect(withFix.length).toBeGreaterThan(0);
    expect(withFix.length + overBudget.length).toBe(89);
  });

  it.each([
    ["after", ""],
    ["before", "annotations: {team: x}\n      "],
  ])(
    "a fix never changes another Job, even through an anchor: a rename that reaches one by an alias is withdrawn (annotations %s the alias)",
    (_where, before) => {
      // job-0's name is the anchor the second item's name aliases: a fix that renames job-0 renames that Job too.
      // Both need their document (an anchor, an alias): re-checked together, the second Job's name changes though its
      // own fix renames nothing (its edit, before or after the name, does not touch it), so each is re-checked alone,
      // and only the rename is withdrawn.
      const text =
        listOf(["job-0"], "&image busybox:1.36").replace("name: job-0", "name: &n job-0") +
        job("*n", "    ", "*image").replace("name: *n", `${before}name: *n`).replace(/^ {4}/, "  - ");
      const renamer: RuleModule = {
        ...probeRule(() => true),
        checkJob(ctx, job) {
          if (job.annotations.has("probe/done")) return [];
          const value = findPair(job.metadataNode, "name")?.value;
          const edits = ctx.fixer.annotations(job, [{ key: "probe/done", set: "yes" }]);
          if (!edits) return [];
          if (isScalar(value) && value.anchor && value.range)
            edits.push({ start: value.range[0], end: value.range[1], text: "renamed" });
          return [
            { messageId: "probe", data: {}, fix: { fix: { kind: "safe", description: "probe", edits } } },
          ];
        },
      };

      const result = scanRepository({ rules: [renamer], files: [{ path: "list.yaml", content: text }] });

      expect(result.findings.map((f) => [f.location.line, f.fix?.kind ?? f.noFixReason])).toEqual([
        [5, "no automatic fix: the fix would change another object in the document"],
        [16, "safe"],
      ]);
    },
  );

  it("two fixes on one Job are never verified together: each must clear its finding alone", () => {
    // `needs-both` clears only when both annotations are set, and its fix sets one: alone it leaves its finding.
    // Together with `sets-b`'s fix on the same Job it would seem to work.
    const reportsUnless = (id: string, keys: string[], sets: string): RuleModule => ({
      ...probeRule(() => true),
      meta: { ...probeRule(() => true).meta, id },
      checkJob(ctx, job) {
        if (keys.every((k) => job.annotations.has(k))) return [];
        const edits = ctx.fixer.annotations(job, [{ key: sets, set: "yes" }]);
        return edits
          ? [{ messageId: "probe", data: {}, fix: { fix: { kind: "safe", description: id, edits } } }]
          : [];
      },
    });
    const rules = [
      reportsUnless("needs-both", ["probe/a", "probe/b"], "probe/a"),
      reportsUnless("sets-b", ["probe/b"], "probe/b"),
    ];

    // Annotations already there: the two fixes add a line each to the same map, so together they parse.
    const content = aliasedList(3).replace(
      /( {6}name: job-\d+\n)/g,
      "$1      annotations:\n        team: x\n",
    );

    const result = scanRepository({ rules, files: [{ path: "list.yaml", content }] });

    expect(result.findings.map((f) => [f.rule, f.fix?.kind ?? f.noFixReason])).toEqual(
      [0, 1, 2].flatMap(() => [
        ["needs-both", "no automatic fix: the finding remains after the fix"],
        ["sets-b", "safe"],
      ]),
    );
  });

  it("a fix that edits another Job's text is never verified together with that Job's own fix", () => {
    // job-1's fix also slips an annotation into job-2, which has a fix of its own: together, job-2 is a fixed Job
    // whose annotations may grow; alone, job-1's fix changes another object and is withdrawn.
    const content = aliasedList(3).replace(
      /( {6}name: job-\d+\n)/g,
      "$1      annotations:\n        team: x\n",
    );
    const intruder = probeAlsoInserting({
      on: "job-1",
      below: "name: job-2",
      after: "        team: x\n",
      text: "        probe/x: slipped\n",
    });

    const result = scanRepository({ rules: [intruder], files: [{ path: "list.yaml", content }] });

    expect(result.findings.map((f) => [f.name, f.fix?.kind ?? f.noFixReason])).toEqual([
      ["job-0", "safe"],
      ["job-1", "no automatic fix: the fix would change another object in the document"],
      ["job-2", "safe"],
    ]);
  });

  it("a fix verified together is held to what it is held to alone: one that renames another Job through an anchor is refused", () => {
    // job-0's name is the anchor the other items' container names alias: renaming it renames what they run.
    const text =
      listOf(["job-0"], "&image busybox:1.36").replace("name: job-0", "name: &n job-0") +
      ["job-1", "job-2"]
        .map((n) => job(n, "    ", "*image").replace("- name: run", "- name: *n").replace(/^ {4}/, "  - "))
        .join("");
    const config = { ...DEFAULT_CONFIG, fix: { ...DEFAULT_CONFIG.fix, strategy: "generateName" as const } };

    const result = scanRepository({ rules: RULES, config, files: [{ path: "list.yaml", content: text }] });

    expect(result.findings.map((f) => [f.name, f.fix?.kind ?? f.noFixReason])).toEqual([
      [
        "job-0",
        "metadata.name carries the YAML anchor &n: other objects may share it through aliases, and renaming it would rename them too",
      ],
      ["job-1", "safe"],
      ["job-2", "safe"],
    ]);
    expect(result.findings[1]?.fix?.diff).toContain("+      generateName: job-1-");
  });
});

const jobs = (count: number, between = "") =>
  Array.from({ length: count }, (_, i) => job(`job-${i}`, "")).join(`---\n${between}`);

/** A scan that counts what fix verification parses again. */
const scanCounting = (content: string, rules: readonly RuleModule[] = RULES, config = DEFAULT_CONFIG) => {
  const recheckWork = { parses: 0, bytes: 0 };
  const result = scanRepository({ rules, config, files: [{ path: "jobs.yaml", content }], recheckWork });
  return { result, recheckWork };
};

/** A document before the others whose `{{` keeps the file from being re-checked in chunks. */
const BRACES = "kind: ConfigMap\ndata: {a: '{{ x }}'}\n---\n";

describe("fixes of many documents", () => {
  const deployment = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n---\n";

  it("are re-checked a chunk of documents at a time: each byte parsed once, one parse per chunk", () => {
    const text = jobs(2000);

    const { result, recheckWork } = scanCounting(text);

    expect(result.findings.filter((f) => f.fix?.kind === "safe")).toHaveLength(2000);
    expect(recheckWork.bytes).toBe(text.length);
    expect(recheckWork.parses).toBe(Math.ceil(text.length / RECHECK_CHUNK_BYTES));
  });

  it("are re-checked in chunks when the scan hid the documents between the Jobs (a Deployment)", () => {
    const text = jobs(50, deployment);

    const { result, recheckWork } = scanCounting(text);

    expect(result.findings.filter((f) => f.fix?.kind === "safe")).toHaveLength(50);
    expect(recheckWork).toEqual({ parses: 1, bytes: text.length });
  });

  it("a kind: List larger than a chunk is one chunk: a document is never split", () => {
    const text = listOf(Array.from({ length: 400 }, (_, i) => `job-${i}`));
    expect(text.length).toBeGreaterThan(RECHECK_CHUNK_BYTES);

    const { result, recheckWork } = scanCounting(text);

    expect(result.findings.filter((f) => f.fix?.kind === "safe")).toHaveLength(400);
    expect(recheckWork).toEqual({ parses: 1, bytes: text.length });
  });

  it.each([
    ["a document that does not parse", "kind: Job\nmetadata: [unclosed\n---\n"],
    ["`{{` in a string (a chunk of it could be read as a template)", BRACES],
  ])("are re-checked one Job at a time in a file with %s", (_, odd) => {
    const text = odd + jobs(3);

    const { result, recheckWork } = scanCounting(text);

    expect(result.findings.filter((f) => f.fix?.kind === "safe")).toHaveLength(3);
    expect(recheckWork.parses).toBe(3);
  });

  it("that fail in their chunk are re-checked one Job at a time, and only the failing fix is withdrawn", () => {
    const text = jobs(50);
    const stubborn = probeRule((job) => job.name !== "job-7");

    const { result, recheckWork } = scanCounting(text, [stubborn]);

    expect(result.findings.filter((f) => f.fix !== null)).toHaveLength(49);
    expect(result.findings.find((f) => f.name === "job-7")?.noFixReason).toBe(
      "no automatic fix: the finding remains after the fix",
    );
    // The chunk once, then each Job's document once.
    expect(recheckWork).toEqual({ parses: 51, bytes: 2 * text.length });
  });

  it("a fix that changes how its chunk splits into documents is withdrawn, and the other fixes stand", () => {
    // job-3's fix ends its document early (`...`) and starts a new one holding the rest of the Job: the chunk's
    // documents no longer line up with the file's, so each fix is re-checked alone, where job-3's fails.
    const splitter = probeAlsoInserting({
      on: "job-3",
      below: "name: job-3",
      before: "spec:",
      text: "...\n---\n",
    });

    const { result } = scanCounting(jobs(6), [splitter]);

    expect(result.findings.map((f) => [f.name, f.fix?.kind ?? f.noFixReason])).toEqual([
      ["job-0", "safe"],
      ["job-1", "safe"],
      ["job-2", "safe"],
      ["job-3", "no automatic fix: the fixed file would hold a different number of objects"],
      ["job-4", "safe"],
      ["job-5", "safe"],
    ]);
  });

  it("a fix that adds an empty document cannot hide another fix whose finding remains", () => {
    // job-2's fix ends with `---`: an empty document after it, so every later Job sits one document further in the
    // chunk. Matched by document number, job-4's finding, which its fix leaves, would be taken for one of job-5,
    // which has no finding (it is already done).
    const rule = probeWithExtraEdit((job) => {
      if (job.name !== "job-2") return null;
      const end = job.object.node.range?.[2] ?? 0;
      return { start: end, end, text: "---\n" };
    });
    const stubborn: RuleModule = {
      ...rule,
      checkJob: (ctx, job) =>
        (job.name === "job-4" ? probeRule(() => false) : rule).checkJob?.(ctx, job) ?? [],
    };

    const content = jobs(6).replace(
      "  name: job-5\n",
      "  name: job-5\n  annotations:\n    probe/done: yes\n",
    );

    const { result } = scanCounting(content, [stubborn]);

    expect(result.findings.map((f) => f.name)).not.toContain("job-5");
    expect(result.findings.find((f) => f.name === "job-4")?.noFixReason).toBe(
      "no automatic fix: the finding remains after the fix",
    );
  });

  it("a fix that breaks the YAML of its Job is withdrawn, saying so, and the others stand", () => {
    const breaker = probeAlsoInserting({
      on: "job-1",
      below: "name: job-1",
      before: "spec:",
      text: "broken: [unclosed\n",
    });

    const { result } = scanCounting(jobs(3), [breaker]);

    expect(result.findings.map((f) => [f.name, f.fix?.kind ?? f.noFixReason])).toEqual([
      ["job-0", "safe"],
      [
        "job-1",
        expect.stringMatching(
          /^no automatic fix: the fixed file would not parse \(invalid YAML \(line \d+: /,
        ),
      ],
      ["job-2", "safe"],
    ]);
  });

  it("of a kind: List whose chunk fails are each re-checked on the item's own lines", () => {
    const text = listOf(["job-0", "job-1", "job-2", "job-3"]);
    const stubborn = probeRule((job) => job.name !== "job-2");

    const { result, recheckWork } = scanCounting(text, [stubborn]);

    expect(result.findings.map((f) => [f.name, f.fix?.kind ?? f.noFixReason])).toEqual([
      ["job-0", "safe"],
      ["job-1", "safe"],
      ["job-2", "no automatic fix: the finding remains after the fix"],
      ["job-3", "safe"],
    ]);
    // The List once, then each item's lines (about a quarter of it) once.
    expect(recheckWork.parses).toBe(5);
    expect(recheckWork.bytes).toBeLessThan(2 * text.length);
  });
});

describe("Helm template masking", () => {
  // The lazy regex the masking used before: the same actions, found by rescanning from every `{{`.
  const regexMask = (text: string) =>
    text.replace(/\{\{[\s\S]*?\}\}/g, (action) => action.replace(/[^\r\n]/g, PLACEHOLDER));

  it("masks exactly the actions the lazy regex matched, unclosed `{{` included", () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom("{", "}", "{{", "}}", "a", " ", "\n", ": "), { maxLength: 40 }),
        (parts) => {
          const text = `k: ${parts.join("")}`;
          const masked = maskTemplateActions(text).text;
          const expected = regexMask(text);
          // Template-only lines are blanked afterwards: compare where the mask left a line's YAML in place.
          const maskedLines = masked.split("\n");
          expected.split("\n").forEach((line, i) => {
            const got = maskedLines[i] ?? "";
            if (got.trim() !== "") expect(got).toBe(line);
          });
        },
      ),
    );
  });
});

describe("taking the non-conflicting fixes of a pass", () => {
  // The quadratic test it replaced: a group is taken when it touches none of the edits taken before it.
  const conflict = (a: readonly TextEdit[], b: readonly TextEdit[]) =>
    a.some((x) => b.some((y) => (x.start < y.end && y.start < x.end) || x.start === y.start));
  const reference = (groups: readonly (readonly TextEdit[])[]) => {
    const taken: TextEdit[] = [];
    for (const group of groups) if (!conflict(group, taken)) taken.push(...group);
    return taken;
  };
  const edit = fc
    .tuple(fc.nat(60), fc.nat(4), fc.string({ maxLength: 2 }))
    .map(([start, length, text]) => ({ start, end: start + length, text }));
  // A fix's own edits never overlap (verification withdraws it otherwise).
  const group = fc
    .uniqueArray(edit, { maxLength: 3, selector: (e) => e.start })
    .filter((edits) => applyEdits("x".repeat(70), edits).rejected.length === 0);

  it("takes the same edits as testing every pair", () => {
    fc.assert(
      fc.property(fc.array(group, { maxLength: 12 }), (groups) => {
        const byStart = (a: TextEdit, b: TextEdit) => a.start - b.start || a.end - b.end;
        expect([...takeNonConflicting(groups)].sort(byStart)).toEqual([...reference(groups)].sort(byStart));
      }),
    );
  });
});

describe("which fixes are re-checked together, and what a chunk costs", () => {
  /** Reports a Job until it carries `key`; its fix adds `key`. */
  const annotating = (id: string, key: string): RuleModule => ({
    ...probeRule(() => true),
    meta: { ...probeRule(() => true).meta, id },
    checkJob(ctx, job) {
      if (job.annotations.has(key)) return [];
      const edits = ctx.fixer.annotations(job, [{ key, set: "yes" }]);
      return edits
        ? [{ messageId: "probe", data: {}, fix: { fix: { kind: "safe", description: id, edits } } }]
        : [];
    },
  });
  /** Reports every Job, with no fix. */
  const unfixable: RuleModule = {
    ...probeRule(() => true),
    meta: { ...probeRule(() => true).meta, id: "unfixable" },
    checkJob: () => [{ messageId: "probe", data: {}, fix: { noFixReason: "none" } }],
  };

  it("two Jobs are one chunk: one parse", () => {
    const { result, recheckWork } = scanCounting(jobs(2));

    expect(result.findings.filter((f) => f.fix?.kind === "safe")).toHaveLength(2);
    expect(recheckWork.parses).toBe(1);
  });

  it("a Job with two fixes is never in a chunk: each fix is re-checked alone, on its document", () => {
    const rules = [annotating("sets-a", "probe/a"), annotating("sets-b", "probe/b")];

    const { result, recheckWork } = scanCounting(jobs(3), rules);

    expect(result.findings.filter((f) => f.fix?.kind === "safe")).toHaveLength(6);
    expect(recheckWork.parses).toBe(6);
  });

  it("a Job with one fix and a finding that has none is still in its chunk", () => {
    const { result, recheckWork } = scanCounting(jobs(3), [annotating("sets-a", "probe/a"), unfixable]);

    expect(result.findings.filter((f) => f.fix?.kind === "safe")).toHaveLength(3);
    expect(recheckWork.parses).toBe(1);
  });

  it("fixes that rename their own Job (generateName) are re-checked in one chunk", () => {
    const config = { ...DEFAULT_CONFIG, fix: { ...DEFAULT_CONFIG.fix, strategy: "generateName" as const } };

    const { result, recheckWork } = scanCounting(jobs(3), RULES, config);

    expect(result.findings.filter((f) => f.fix?.diff.includes("+  generateName: job-"))).toHaveLength(3);
    expect(recheckWork.parses).toBe(1);
  });

  it("a fix that also edits the next document is kept out of the chunk, and withdrawn", () => {
    // job-1's fix rewrites the comment at the top of job-2's document: harmless to every object, so a chunk holding
    // both would pass it, but a fix may only edit its own Job.
    const intruder = probeWithExtraEdit((job) => {
      if (job.name !== "job-1") return null;
      const at = job.file.text.indexOf("# next", job.file.text.indexOf("name: job-1"));
      return { start: at, end: at + "# next".length, text: "# touched" };
    });

    const { result, recheckWork } = scanCounting(jobs(4, "# next\n"), [intruder]);

    expect(result.findings.map((f) => [f.name, f.fix?.kind ?? f.noFixReason])).toEqual([
      ["job-0", "safe"],
      ["job-1", "no automatic fix: its edits reach outside the Job's document"],
      ["job-2", "safe"],
      ["job-3", "safe"],
    ]);
    expect(recheckWork.parses).toBe(1);
  });

  it("a fix that also edits the Job before it is kept out of the chunk, and withdrawn", () => {
    // job-2's fix slips an annotation into job-1, which has a fix of its own: in one chunk, job-1 would be a fixed
    // Job whose annotations may change.
    const content = jobs(3).replace(/( {2}name: job-\d+\n)/g, "$1  annotations:\n    team: x\n");
    const intruder = probeAlsoInserting({
      on: "job-2",
      below: "name: job-1",
      after: "    team: x\n",
      text: "    probe/x: slipped\n",
    });

    const { result } = scanCounting(content, [intruder]);

    expect(result.findings.map((f) => [f.name, f.fix?.kind ?? f.noFixReason])).toEqual([
      ["job-0", "safe"],
      ["job-1", "safe"],
      ["job-2", "no automatic fix: its edits reach outside the Job's document"],
    ]);
  });

  it("a fix on a Job whose annotations carry an anchor is refused, even among others in a chunk", () => {
    // A rule that edits the anchored map anyway (the engine's fixer would not): the edit would reach every alias.
    const anchored: RuleModule = {
      ...probeRule(() => true),
      checkJob(_ctx, job) {
        if (job.annotations.has("probe/done")) return [];
        const text = job.file.text;
        const annotationsLine = text.indexOf("  annotations:", text.indexOf(`name: ${job.name}\n`));
        const at = text.indexOf("\n", annotationsLine) + 1;
        const edits = [{ start: at, end: at, text: "    probe/done: yes\n" }];
        return [
          { messageId: "probe", data: {}, fix: { fix: { kind: "safe", description: "probe", edits } } },
        ];
      },
    };
    const content = jobs(3)
      .replace(/( {2}name: job-\d+\n)/g, "$1  annotations:\n    team: x\n")
      .replace("name: job-1\n  annotations:\n", "name: job-1\n  annotations: &shared\n");

    const { result } = scanCounting(content, [anchored]);

    expect(result.findings.map((f) => [f.name, f.fix?.kind ?? f.noFixReason])).toEqual([
      ["job-0", "safe"],
      ["job-1", expect.stringContaining("anchor &shared")],
      ["job-2", "safe"],
    ]);
  });

  it("in a file not re-checked in chunks, List items that need their document are re-checked together in one parse", () => {
    // job-0 sets the anchor (never parsed alone); job-1 is tried on its own lines, where the alias is unknown; then
    // both are re-checked on the List at once.
    const { result, recheckWork } = scanCounting(BRACES + aliasedList(2));

    expect(result.findings.map((f) => [f.name, f.fix?.kind ?? f.noFixReason])).toEqual([
      ["job-0", "safe"],
      ["job-1", "safe"],
    ]);
    expect(recheckWork.parses).toBe(2);
    // Proven together, each fix still comes with its own diff.
    expect(result.findings.map((f) => f.fix?.diff.match(/^ {7}name: (job-\d)$/m)?.[1])).toEqual([
      "job-0",
      "job-1",
    ]);
  });

  it("in a file not re-checked in chunks, a List item fixed on its own lines has its diff at those lines", () => {
    const { result } = scanCounting(BRACES + listOf(["alpha", "beta"]));

    expect(result.findings[1]?.fix?.diff).toBe(betaHookDiff("jobs.yaml", 19));
  });

  it("past its allowance, a re-check is refused with the size of the document it would parse", () => {
    // The List comes after another document, so its document does not start at the top of the file.
    const text = `${"# padding\n".repeat(2000)}kind: ConfigMap\n---\n${aliasedList(90)}`;
    const listBytes = text.length - text.indexOf("apiVersion: v1\nkind: List");
    const stubborn = probeRule((job) => job.name !== "job-7");

    const { result, recheckWork } = scanCounting(text, [stubborn]);

    const overBudget = result.findings.filter((f) => f.noFixReason?.includes("past the limit"));
    expect(overBudget.length).toBeGreaterThan(0);
    expect(overBudget[0]?.noFixReason).toBe(
      `no automatic fix: re-checking it would parse its ${Math.ceil(listBytes / 1024)} KiB document again, past the limit for one file`,
    );
    // Refused only once what is left of the allowance is smaller than the document.
    const allowance = RECHECK_BUDGET_FACTOR * text.length + RECHECK_BUDGET_MIN;
    expect(allowance - recheckWork.bytes).toBeLessThan(listBytes);
  });
});

describe("a List item re-checked on its own lines", () => {
  /** Reports, with no fix, a Job the probe has fixed: a fix may raise it only where the user suppressed it. */
  const afterProbe: RuleModule = {
    ...probeRule(() => true),
    meta: { ...probeRule(() => true).meta, id: "after-probe" },
    checkJob: (_ctx, job) =>
      job.annotations.has("probe/done")
        ? [{ messageId: "probe", data: {}, fix: { noFixReason: "none" } }]
        : [],
  };
  const item = (name: string) =>
    job(name, "    ")
      .replace("    apiVersion: batch/v1\n    kind: Job\n", "    kind: Job\n    apiVersion: batch/v1\n")
      .replace(/^ {4}/, "  - ");

  it("brings along the suppression comment above its first key", () => {
    const text = `${BRACES}apiVersion: v1\nkind: List\nitems:\n  # argocd-job-guard ignore after-probe\n${item("alpha")}${item("beta")}`;

    const { result, recheckWork } = scanCounting(text, [probeRule(() => true), afterProbe]);

    expect(result.findings.map((f) => [f.name, f.fix?.kind ?? f.noFixReason])).toEqual([
      ["alpha", "safe"],
      ["beta", "no automatic fix: it would bring up after-probe, which has no fix"],
    ]);
    expect(recheckWork.parses).toBe(2);
  });

  it("is not widened to its document by an anchor elsewhere in the file", () => {
    const text = `kind: ConfigMap\ndata: {a: '{{ x }}', b: &b c}\n---\n${listOf(["alpha", "beta", "gamma"])}`;
    const listBytes = listOf(["alpha", "beta", "gamma"]).length;

    const { result, recheckWork } = scanCounting(text, [probeRule(() => true)]);

    expect(result.findings.filter((f) => f.fix?.kind === "safe")).toHaveLength(3);
    expect(recheckWork.parses).toBe(3);
    expect(recheckWork.bytes).toBeLessThan(listBytes);
  });
});
