import { describe, expect, it } from "@jest/globals";
import { scanRepository } from "../../src/engine/scan.js";
import { validateConfig } from "../../src/config/schema.js";
import { RULE_IDS, RULES } from "../../src/rules/index.js";

const JOB =
  "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: migrate\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n";

function scanOne(path: string, content: string | Uint8Array) {
  return scanRepository({
    rules: RULES,
    files: [
      { path, content },
      { path: "ok/job.yaml", content: JOB },
    ],
  });
}

describe("bad input gives a per-file reason and the scan goes on", () => {
  const aliasBomb = ["kind: Job", "apiVersion: batch/v1", "a: &a [x, x, x, x, x, x, x, x, x]"]
    .concat(
      ["b", "c", "d", "e", "f", "g"].map(
        (k, i) => `${k}: &${k} [${Array(9).fill(`*${"abcdefg"[i]}`).join(", ")}]`,
      ),
    )
    .join("\n");
  const deepBlock = Array.from({ length: 1000 }, (_, i) => `${"  ".repeat(i)}k:`).join("\n");
  const deepFlow = `${"[".repeat(1000)}${"]".repeat(1000)}`;

  it.each([
    ["invalid YAML", "bad.yaml", "kind: Job\nmetadata: [unclosed\n", /invalid YAML \(line \d+/],
    [
      "a file over the size limit",
      "big.yaml",
      `# ${"x".repeat(1024 * 1024)}\n`,
      /larger than the 1 MiB limit/,
    ],
    ["binary content", "blob.yaml", new Uint8Array([0x6b, 0x00, 0x01, 0x02]), /binary file/],
    [
      "non-UTF-8 content",
      "latin1.yaml",
      new Uint8Array([0x6e, 0x61, 0x6d, 0x65, 0x3a, 0x20, 0xe9, 0x0a]),
      /not valid UTF-8/,
    ],
    ["an alias bomb", "bomb.yaml", aliasBomb, /alias count|resource exhaustion/i],
    ["duplicate keys", "dup.yaml", "kind: Job\nkind: Job\n", /Map keys must be unique/],
    [
      "a Helm template that masking cannot save",
      "templates/x.yaml",
      "kind: Job\n{{- range .Values.jobs }}\n- {{ . }}: [\n{{- end }}\n",
      /Helm template could not be analysed/,
    ],
  ])("%s", (_label, path, content, reason) => {
    const result = scanOne(path, content);

    expect(result.files.skipped).toEqual([
      { file: path, reason: expect.stringMatching(reason) as unknown as string },
    ]);
    expect(result.files.scanned).toContain("ok/job.yaml");
    expect(result.findings.map((f) => f.file)).toEqual(["ok/job.yaml"]);
  });

  it("1000-deep nesting is refused or read, never a crash", () => {
    for (const content of [deepBlock, deepFlow]) {
      const result = scanOne("deep.yaml", content);

      expect(result.files.scanned).toContain("ok/job.yaml");
      expect(
        result.files.scanned.includes("deep.yaml") ||
          result.files.skipped.some((s) => s.file === "deep.yaml"),
      ).toBe(true);
    }
  });

  it("an empty file is scanned and has nothing to report", () => {
    const result = scanOne("empty.yaml", "");

    expect(result.files.scanned).toContain("empty.yaml");
    expect(result.findings.filter((f) => f.file === "empty.yaml")).toEqual([]);
  });

  it("a __proto__ key stays data and pollutes nothing", () => {
    const result = scanOne(
      "proto.yaml",
      "__proto__: {polluted: true}\nkind: Job\napiVersion: batch/v1\nmetadata:\n  name: p\n  __proto__: {x: 1}\n",
    );

    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(result.findings.filter((f) => f.file === "proto.yaml").map((f) => f.rule)).toEqual(["plain-job"]);
  });

  it("a Job with no metadata is reported as not analysed", () => {
    const result = scanOne("nometa.yaml", "apiVersion: batch/v1\nkind: Job\nspec: {}\n");

    expect(result.findings.filter((f) => f.file === "nometa.yaml")).toEqual([]);
    expect(result.files.skipped).toEqual([
      {
        file: "nometa.yaml",
        reason: "partly analysed: the Job at line 1 has neither metadata.name nor metadata.generateName",
      },
    ]);
  });

  it("documents that name no Job, List or Argo CD app are not parsed, so their errors are not ours to report", () => {
    const result = scanOne(
      "service.yaml",
      "apiVersion: v1\nkind: Service\nmetadata: [unclosed\n---\na: &a [x]\nb: [*a, *a]\n",
    );

    expect(result.files.scanned).toContain("service.yaml");
    expect(result.files.skipped).toEqual([]);
  });

  it("unknown kinds and non-Kubernetes YAML are read and ignored", () => {
    const result = scanOne(
      "values.yaml",
      "image:\n  tag: 1.2.3\n---\napiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n",
    );

    expect(result.files.scanned).toContain("values.yaml");
    expect(result.findings.filter((f) => f.file === "values.yaml")).toEqual([]);
  });

  it("an Application with a malformed source is read without a crash", () => {
    const app =
      "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: a}\nspec:\n  source: [not, a, map]\n  sources: 42\n";

    const result = scanRepository({
      rules: RULES,
      files: [
        { path: "app.yaml", content: app },
        { path: "ok/job.yaml", content: JOB },
      ],
    });

    expect(result.files.scanned).toEqual(["app.yaml", "ok/job.yaml"]);
    expect(result.apps).toEqual([
      { name: "a", file: "app.yaml", kind: "Application", paths: [], resolution: null, notes: [] },
    ]);
  });

  it("a document that fails among good ones is reported and the others are analysed", () => {
    const result = scanOne(
      "mixed.yaml",
      `${JOB}---\nkind: Job\nmetadata: [\n---\n${JOB.replace("migrate", "second")}`,
    );

    expect(result.files.skipped).toEqual([
      {
        file: "mixed.yaml",
        reason: expect.stringMatching(/^partly analysed: invalid YAML/) as unknown as string,
      },
    ]);
    expect(result.findings.filter((f) => f.file === "mixed.yaml").map((f) => f.name)).toEqual([
      "migrate",
      "second",
    ]);
  });

  it("the size limit is configurable", () => {
    const config = validateConfig({ limits: { maxFileBytes: 10 } }, RULE_IDS);
    if (!config.ok) throw new Error(config.errors.join());

    const result = scanRepository({
      rules: RULES,
      files: [{ path: "job.yaml", content: JOB }],
      config: config.config,
    });

    expect(result.files.skipped[0]?.reason).toMatch(/larger than the 10 bytes limit/);
  });
});
