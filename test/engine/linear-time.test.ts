import { describe, expect, it } from "@jest/globals";
import { RULES } from "../../src/rules/index.js";
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
    expect(result.findings[1]?.fix?.diff).toBe(`--- a/list.yaml
+++ b/list.yaml
@@ -16,6 +16,9 @@
     kind: Job
     metadata:
       name: beta
+      annotations:
+        argocd.argoproj.io/hook: Sync
+        argocd.argoproj.io/hook-delete-policy: BeforeHookCreation
     spec:
       template:
         spec:
`);
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

  it("parse again at most a bounded multiple of the file: past it, fixes are withdrawn and say why", () => {
    // Every item uses the anchor of the first (under the alias limit of 100), so none can be verified alone.
    const names = Array.from({ length: 90 }, (_, i) => `job-${i}`);
    const [first, ...rest] = names;
    const text =
      listOf([first ?? ""], "&image busybox:1.36") +
      rest.map((n) => job(n, "    ", "*image").replace(/^ {4}/, "  - ")).join("");

    const result = scanRepository({ rules: RULES, files: [{ path: "list.yaml", content: text }] });

    const withFix = result.findings.filter((f) => f.fix !== null);
    const overBudget = result.findings.filter((f) => f.noFixReason?.includes("past the limit for one file"));
    expect(result.findings).toHaveLength(90);
    // 8 times the file plus 256 KiB, in whole-document re-parses: a handful of documents, never all 90.
    const documentsAllowed = Math.floor((8 * text.length + 256 * 1024) / text.length);
    expect(withFix.length).toBeLessThanOrEqual(documentsAllowed + 1);
    expect(withFix.length + overBudget.length).toBe(90);
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
