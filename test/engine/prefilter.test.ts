import { describe, expect, it } from "@jest/globals";
import { RULES } from "../../src/rules/index.js";
import { hideIrrelevantDocuments } from "../../src/engine/manifests/prefilter.js";
import { scanRepository } from "../../src/engine/scan.js";

const DEPLOYMENT = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 2\n";
const JOB = "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: migrate\n";

describe("hiding documents that cannot matter", () => {
  it("keeps the length and the Job documents, and turns the others into one comment line", () => {
    const text = `${DEPLOYMENT}---\n${JOB}---\n${DEPLOYMENT}`;

    const hidden = hideIrrelevantDocuments(text);

    expect(hidden).toHaveLength(text.length);
    expect(hidden).toContain(`---\n${JOB}---\n`);
    expect(hidden.split("\n").filter((line) => line.startsWith("#"))).toHaveLength(2);
    expect(hidden.startsWith("#")).toBe(true);
  });

  it("leaves a file of Jobs alone", () => {
    expect(hideIrrelevantDocuments(`${JOB}---\n${JOB}`)).toBe(`${JOB}---\n${JOB}`);
  });

  it("findings after hidden documents keep their true lines and fixes, with CRLF too", () => {
    for (const eol of ["\n", "\r\n"]) {
      const text = `${DEPLOYMENT}---\n${DEPLOYMENT}---\n${JOB}`.replaceAll("\n", eol);

      const result = scanRepository({ rules: RULES, files: [{ path: "all.yaml", content: text }] });

      expect(result.findings.map((f) => [f.rule, f.location.line])).toEqual([["plain-job", 16]]);
      expect(result.findings[0]?.fix?.diff).toContain("@@ -16,3 +16,6 @@");
    }
  });
});
