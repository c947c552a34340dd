import { describe, expect, it } from "@jest/globals";
import { RULES } from "../../src/rules/index.js";
import fc from "fast-check";
import { parseAllDocuments } from "yaml";
import { fixRepository } from "../../src/engine/scan.js";

/** A generated plain Job, written in one of the layouts people use. */
interface Layout {
  indent: number;
  eol: "\n" | "\r\n";
  metadataFirst: boolean;
  annotations: "none" | "block" | "flow" | "empty-flow" | "null";
  quoteKeys: boolean;
  comments: boolean;
  labels: boolean;
  name: string;
  existing: [string, string][];
  image: string;
  trailingNewline: boolean;
  flowSpaces: boolean;
}

const layoutArbitrary: fc.Arbitrary<Layout> = fc.record({
  indent: fc.constantFrom(2, 4),
  eol: fc.constantFrom("\n" as const, "\r\n" as const),
  metadataFirst: fc.boolean(),
  annotations: fc.constantFrom(
    "none" as const,
    "block" as const,
    "flow" as const,
    "empty-flow" as const,
    "null" as const,
  ),
  quoteKeys: fc.boolean(),
  comments: fc.boolean(),
  labels: fc.boolean(),
  name: fc.stringMatching(/^[a-z][a-z0-9-]{0,30}[a-z0-9]$/),
  existing: fc.array(
    fc.tuple(
      fc.stringMatching(/^[a-z]{1,8}\.example\.com\/[a-z]{1,8}$/),
      fc.stringMatching(/^[a-z0-9]{1,10}$/),
    ),
    {
      minLength: 1,
      maxLength: 3,
    },
  ),
  image: fc.stringMatching(/^[a-z]{1,10}:[0-9]\.[0-9]$/),
  trailingNewline: fc.boolean(),
  flowSpaces: fc.boolean(),
});

function render(layout: Layout): string {
  const pad = " ".repeat(layout.indent);
  const key = (k: string) => (layout.quoteKeys ? `"${k}"` : k);
  const existing = new Map(layout.existing);
  const metadata: string[] = [
    "metadata:",
    `${pad}name: ${layout.name}${layout.comments ? "  # the Job's name" : ""}`,
  ];
  if (layout.comments) metadata.push(`${pad}# labels and annotations follow`);
  if (layout.labels) metadata.push(`${pad}labels:`, `${pad}${pad}app: ${layout.name}`);
  if (layout.annotations === "block") {
    metadata.push(`${pad}annotations:`, ...[...existing].map(([k, v]) => `${pad}${pad}${key(k)}: "${v}"`));
  } else if (layout.annotations === "flow") {
    const space = layout.flowSpaces ? " " : "";
    metadata.push(
      `${pad}annotations: {${space}${[...existing].map(([k, v]) => `${key(k)}: "${v}"`).join(", ")}${space}}`,
    );
  } else if (layout.annotations === "empty-flow") {
    metadata.push(`${pad}annotations: {${layout.flowSpaces ? " " : ""}}`);
  } else if (layout.annotations === "null") {
    metadata.push(`${pad}annotations:`);
  }
  const head = ["apiVersion: batch/v1", "kind: Job"];
  const spec = [
    "spec:",
    `${pad}template:`,
    `${pad}${pad}spec:`,
    `${pad}${pad}${pad}restartPolicy: Never`,
    `${pad}${pad}${pad}containers:`,
    `${pad}${pad}${pad}${pad}- name: main`,
    `${pad}${pad}${pad}${pad}  image: ${layout.image}`,
  ];
  const lines = layout.metadataFirst ? [...metadata, ...head, ...spec] : [...head, ...spec, ...metadata];
  if (layout.comments) lines.unshift("# generated for a property test");
  return lines.join(layout.eol) + (layout.trailingNewline ? layout.eol : "");
}

function fix(text: string) {
  return fixRepository({ rules: RULES, files: [{ path: "job.yaml", content: text }] });
}

function toObject(text: string): Record<string, unknown> {
  return parseAllDocuments(text)[0]?.toJS() as Record<string, unknown>;
}

describe("strategy fix properties", () => {
  it("the fixed file is the original plus inserted lines, or one changed line, and parses to the intended object", () => {
    fc.assert(
      fc.property(layoutArbitrary, (layout) => {
        const original = render(layout);

        const { fixes } = fix(original);

        expect(fixes).toHaveLength(1);
        const fixed = fixes[0]?.after ?? "";
        const before = original.split(layout.eol);
        const after = fixed.split(layout.eol);
        const kept = after.filter((line) => before.includes(line));
        if (layout.annotations === "flow" || layout.annotations === "empty-flow") {
          expect(after).toHaveLength(before.length);
          expect(after.filter((line, i) => line !== before[i])).toHaveLength(1);
        } else {
          // Every original line is kept, in order; only new lines appear between them.
          expect(kept).toEqual(before);
        }
        expect(fixed.includes("\r\n")).toBe(layout.eol === "\r\n");
        const expectedObject = toObject(original) as { metadata: Record<string, unknown> };
        const annotations = (expectedObject.metadata.annotations as Record<string, string> | null) ?? {};
        expectedObject.metadata.annotations = {
          ...annotations,
          "argocd.argoproj.io/hook": "Sync",
          "argocd.argoproj.io/hook-delete-policy": "BeforeHookCreation",
        };
        expect(toObject(fixed)).toEqual(expectedObject);
      }),
      { numRuns: 300 },
    );
  });

  it("fixing twice changes nothing", () => {
    fc.assert(
      fc.property(layoutArbitrary, (layout) => {
        const fixed = fix(render(layout)).fixes[0]?.after ?? "";

        const again = fix(fixed);

        expect(again.fixes).toEqual([]);
        expect(again.result.findings).toEqual([]);
      }),
      { numRuns: 150 },
    );
  });
});
