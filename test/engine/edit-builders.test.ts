import { describe, expect, it } from "@jest/globals";
import fc from "fast-check";
import { isMap, parse, Scalar, YAMLMap } from "yaml";
import {
  addNestedMap,
  appendToMap,
  fillEmptyValue,
  formatScalar,
  indentStepOf,
  renameKey,
  replaceScalar,
} from "../../src/engine/fix/edit-builders.js";
import { applyEdits } from "../../src/engine/fix/text-edit.js";
import { parseManifestFile, type ParsedManifestFile } from "../../src/engine/manifests/parse-manifests.js";
import { findPair } from "../../src/engine/manifests/yaml-nodes.js";
import type { TextEdit } from "../../src/engine/types.js";

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

  it("quotes only a whole keyword or number: a value that merely starts like one stays plain", () => {
    for (const value of ["offline", "nothing", "Never", "1h", "truely"]) {
      expect(formatScalar(value, undefined, false)).toBe(value);
    }
    expect(formatScalar("off", undefined, false)).toBe('"off"');
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

  it("is 2 for a map that sits no further right than its parent's key (an alias to a map written elsewhere)", () => {
    const outcome = parseManifestFile("job.yaml", "kind: Job\nmetadata:\n  name: x\n");
    if (!outcome.ok) throw new Error(outcome.reason);
    const metadata = outcome.file.objects[0]?.node.items[1]?.value;

    expect(indentStepOf(outcome.file, 12, metadata)).toBe(2);
    expect(indentStepOf(outcome.file, 2, metadata)).toBe(2);
    expect(indentStepOf(outcome.file, 0, new YAMLMap())).toBe(2);
  });

  it("is 2 where the map shows none (a flow map, an empty value)", () => {
    expect(stepIn("kind: Job\nmetadata: {name: x}\n")).toBe(2);
    expect(stepIn("kind: Job\nmetadata:\n")).toBe(2);
  });
});

/** The first object of `text`, parsed as the engine parses files, with its metadata map. */
function manifest(text: string, path = "job.yaml") {
  const outcome = parseManifestFile(path, text);
  if (!outcome.ok) throw new Error(outcome.reason);
  const node = outcome.file.objects[0]?.node;
  const metadata = findPair(node, "metadata")?.value;
  if (!isMap(metadata)) throw new Error("no metadata map");
  const labels = findPair(metadata, "labels")?.value;
  return { file: outcome.file, metadata, labels: isMap(labels) ? labels : new YAMLMap() };
}

const written = (file: ParsedManifestFile, edit: TextEdit | null) =>
  edit === null ? null : applyEdits(file.text, [edit]).text;

/** An entry whose key and value both hold a comma: plain in a block map, quoted in a flow map. */
const COMMA = [{ key: "example.com/a,b", value: "x,y" }];

describe("the edit builders", () => {
  const block = "kind: Job\nmetadata:\n  name: migrate\n  labels:\n    app: web\nspec: {}\n";
  const flow = "kind: Job\nmetadata: {name: migrate, labels: {app: web}}\nspec: {}\n";

  it("write a key and value with a comma plain in a block map, where it cannot end them", () => {
    const { file, metadata, labels } = manifest(block);

    expect(written(file, appendToMap(file, labels, COMMA))).toBe(
      block.replace("    app: web\n", "    app: web\n    example.com/a,b: x,y\n"),
    );
    expect(written(file, addNestedMap(file, metadata, "example.com/c,d", COMMA, 2, null))).toBe(
      block.replace("    app: web\n", "    app: web\n  example.com/c,d:\n    example.com/a,b: x,y\n"),
    );
    const empty = manifest("kind: Job\nmetadata:\n  name: migrate\n  labels:\nspec: {}\n");
    const labelsKey = findPair(empty.metadata, "labels")?.key as Scalar;
    const valueEnd = empty.file.text.indexOf("labels:") + 7;
    expect(
      written(empty.file, fillEmptyValue(empty.file, labelsKey.range?.[0] ?? 0, valueEnd, COMMA, 2)),
    ).toBe("kind: Job\nmetadata:\n  name: migrate\n  labels:\n    example.com/a,b: x,y\nspec: {}\n");
  });

  it("quote a key and value with a comma in a flow map, where it would end them", () => {
    const { file, metadata, labels } = manifest(flow);

    expect(parse(written(file, appendToMap(file, labels, COMMA)) ?? "")).toMatchObject({
      metadata: { labels: { app: "web", "example.com/a,b": "x,y" } },
    });
    expect(
      parse(written(file, addNestedMap(file, metadata, "example.com/c,d", COMMA, 2, null)) ?? ""),
    ).toMatchObject({
      metadata: { "example.com/c,d": { "example.com/a,b": "x,y" } },
    });
  });

  it("quote new keys only in a JSON file, not in a YAML file whose name merely holds .json", () => {
    const entries = [{ key: "team", value: "payments" }];
    const yaml = manifest(flow, "job.json.yaml");
    const json = manifest(flow, "job.json");

    expect(written(yaml.file, appendToMap(yaml.file, yaml.labels, entries))).toBe(
      flow.replace("{app: web}", "{app: web, team: payments}"),
    );
    expect(written(json.file, appendToMap(json.file, json.labels, entries))).toBe(
      flow.replace("{app: web}", '{app: web, "team": "payments"}'),
    );
  });

  it("append after the last entry of a flow map even when it is a key without a value", () => {
    const text = "kind: Job\nmetadata: {name: migrate, labels: {app: web, canary}}\n";
    const { file, metadata, labels } = manifest(text);

    expect(written(file, appendToMap(file, labels, [{ key: "team", value: "x" }]))).toBe(
      text.replace("canary}", "canary, team: x}"),
    );
    const flowMetadata = manifest("kind: Job\nmetadata: {name: migrate, canary}\n");
    expect(
      written(
        flowMetadata.file,
        addNestedMap(flowMetadata.file, flowMetadata.metadata, "labels", [{ key: "a", value: "b" }], 2, null),
      ),
    ).toBe("kind: Job\nmetadata: {name: migrate, canary, labels: {a: b}}\n");
    expect(flowMetadata.metadata).not.toBe(metadata);
  });

  it("add into an empty flow map its own braces, not those of the map around it", () => {
    const text = "kind: Job\nmetadata: {name: migrate, labels: {}}\n";
    const { file, labels } = manifest(text);

    expect(written(file, appendToMap(file, labels, [{ key: "team", value: "x" }]))).toBe(
      "kind: Job\nmetadata: {name: migrate, labels: {team: x}}\n",
    );
  });

  it("insert lines inside a file without a final line break without adding one before them", () => {
    const text = block.slice(0, -1);
    const { file, labels } = manifest(text);

    expect(written(file, appendToMap(file, labels, [{ key: "team", value: "x" }]))).toBe(
      text.replace("    app: web\n", "    app: web\n    team: x\n"),
    );
  });

  it.each([
    ['"name"', '"generateName"'],
    ["'name'", "'generateName'"],
    ["name", "generateName"],
  ])("rename the key %s keeping its quotes", (key, renamed) => {
    const text = `kind: Job\nmetadata:\n  ${key}: migrate\n`;
    const { file, metadata } = manifest(text);

    expect(written(file, renameKey(file, findPair(metadata, "name")?.key as Scalar, "generateName"))).toBe(
      text.replace(key, renamed),
    );
  });

  it("give up (no edit) on nodes that are not in the file's text", () => {
    const { file } = manifest(block);
    const flowMap = new YAMLMap();
    flowMap.flow = true;
    const entries = [{ key: "team", value: "x" }];

    expect(replaceScalar(file, new Scalar("x"), "y", false)).toBeNull();
    expect(renameKey(file, new Scalar("name"), "generateName")).toBeNull();
    expect(appendToMap(file, flowMap, entries)).toBeNull();
    expect(appendToMap(file, new YAMLMap(), entries)).toBeNull();
    expect(addNestedMap(file, flowMap, "labels", entries, 2, null)).toBeNull();
    expect(addNestedMap(file, new YAMLMap(), "labels", entries, 2, null)).toBeNull();
  });
});
