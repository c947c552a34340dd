import { describe, expect, it } from "@jest/globals";
import fc from "fast-check";
import { parse, Scalar } from "yaml";
import { formatScalar, indentStepOf } from "../../src/engine/fix/edit-builders.js";
import { parseManifestFile } from "../../src/engine/manifests/parse-manifests.js";

/**
 * What a fix writes must read back as the string it meant, in every quoting style and in flow maps: a value that
 * YAML reads as a boolean, a number, null or a nested structure would change what Argo CD sees.
 */

const STYLES = [undefined, Scalar.PLAIN, Scalar.QUOTE_SINGLE, Scalar.QUOTE_DOUBLE] as const;

describe("formatScalar", () => {
  it("writes any string so that YAML reads back the same string, in block and flow context", () => {
    const value = fc.oneof(
      fc.string(),
      fc.constantFrom(
        "true",
        "No",
        "null",
        "~",
        "1.5",
        "1e3",
        "-",
        "a: b",
        "a #b",
        "x,y",
        "Force=true, Replace=true",
      ),
    );
    fc.assert(
      fc.property(value, fc.constantFrom(...STYLES), fc.boolean(), (text, style, inFlow) => {
        const written = formatScalar(text, style, inFlow);
        const document = inFlow ? `{k: ${written}, other: x}` : `k: ${written}\n`;
        expect(parse(document)).toEqual(inFlow ? { k: text, other: "x" } : { k: text });
      }),
    );
  });

  it("keeps the plain style for the values fixes write, so diffs stay minimal", () => {
    expect(formatScalar("PreSync", undefined, false)).toBe("PreSync");
    expect(formatScalar("BeforeHookCreation,HookSucceeded", undefined, false)).toBe(
      "BeforeHookCreation,HookSucceeded",
    );
    expect(formatScalar("Replace=true, Force=true", undefined, false)).toBe("Replace=true, Force=true");
    expect(formatScalar("argocd.argoproj.io/hook", Scalar.PLAIN, false)).toBe("argocd.argoproj.io/hook");
  });

  it("keeps the quoting style of the value it replaces", () => {
    expect(formatScalar("PreSync", Scalar.QUOTE_SINGLE, false)).toBe("'PreSync'");
    expect(formatScalar("it's", Scalar.QUOTE_SINGLE, false)).toBe("'it''s'");
    expect(formatScalar("PreSync", Scalar.QUOTE_DOUBLE, false)).toBe('"PreSync"');
  });

  it("quotes a list of options inside a flow map, where its comma would end the value", () => {
    expect(formatScalar("A=1,B=2", undefined, true)).toBe('"A=1,B=2"');
    expect(formatScalar("PreSync", undefined, true)).toBe("PreSync");
  });
});

describe("indentStepOf", () => {
  const stepIn = (text: string) => {
    const outcome = parseManifestFile("job.yaml", text);
    if (!outcome.ok) throw new Error(outcome.reason);
    const top = outcome.file.objects[0]?.node;
    const pair = top?.items.find((p) => (p.key as Scalar).value === "metadata");
    return indentStepOf(outcome.file, (pair?.key as Scalar).range?.[0] ?? 0, pair?.value);
  };

  it("is how far the map's keys sit right of its parent's", () => {
    expect(stepIn("kind: Job\nmetadata:\n    name: x\n")).toBe(4);
    expect(stepIn("kind: Job\nmetadata:\n  name: x\n")).toBe(2);
  });

  it("is 2 where the map shows none (a flow map, an empty value)", () => {
    expect(stepIn("kind: Job\nmetadata: {name: x}\n")).toBe(2);
    expect(stepIn("kind: Job\nmetadata:\n")).toBe(2);
  });
});
