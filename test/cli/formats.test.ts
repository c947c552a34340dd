import { describe, expect, it } from "@jest/globals";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { createRequire } from "node:module";
import { join } from "node:path";
import AjvDraft04 from "ajv-draft-04";
import ajvFormats from "ajv-formats";
import { runCli } from "../../src/cli/main.js";
import { RULES } from "../../src/rules/index.js";
import { recordingIo } from "../helpers/cli-io.js";

const EXAMPLE = join(import.meta.dirname, "..", "..", "examples", "gitops-repo");
const ARGS = ["--repo-url", "https://github.com/example-org/gitops-repo.git"];
const require = createRequire(import.meta.url);

interface SarifRun {
  tool: { driver: { rules: { id: string; helpUri: string }[] } };
  results: {
    ruleId: string;
    level: string;
    partialFingerprints: Record<string, string>;
    locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }[];
    fixes?: { artifactChanges: { replacements: { insertedContent: { text: string } }[] }[] }[];
  }[];
}

describe("--format sarif", () => {
  it("is valid SARIF 2.1.0 with every rule, locations, fingerprints and fixes", async () => {
    const schemaPath = require.resolve("@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json");
    const ajv = new AjvDraft04.default({ allErrors: true, strict: false, unicodeRegExp: false });
    ajvFormats.default(ajv);
    const validate = ajv.compile(JSON.parse(readFileSync(schemaPath, "utf8")) as object);
    const io = recordingIo(EXAMPLE);

    await runCli(["scan", "--format", "sarif", ...ARGS], io);

    const log = JSON.parse(io.out()) as { runs: SarifRun[] };
    expect(validate(log) ? [] : validate.errors).toEqual([]);
    expect(validate({ version: "2.1.0", runs: [{ results: [] }] })).toBe(false);
    const run = log.runs[0]!;
    expect(run.tool.driver.rules.map((r) => r.id)).toEqual(RULES.map((r) => r.meta.id));
    expect(run.tool.driver.rules.every((r) => r.helpUri.endsWith(`/docs/rules/${r.id}.md`))).toBe(true);
    expect(
      run.results.map((r) => [
        r.ruleId,
        r.level,
        r.locations[0]?.physicalLocation.artifactLocation.uri,
        r.locations[0]?.physicalLocation.region.startLine,
      ]),
    ).toEqual([
      ["plain-job", "warning", "apps/shop-api/db-migrate-job.yaml", 4],
      ["plain-job", "warning", "charts/billing/templates/migrate-job.yaml", 3],
      ["ttl-on-plain-job", "warning", "kustomize/web/base/warm-cache-job.yaml", 2],
    ]);
    expect(
      run.results.every((r) => /^[0-9a-f]{16}$/.test(r.partialFingerprints["argocdJobGuard/v1"] ?? "")),
    ).toBe(true);
    expect(run.results[0]?.fixes?.[0]?.artifactChanges[0]?.replacements[0]?.insertedContent.text).toContain(
      "argocd.argoproj.io/hook: PreSync",
    );
  });

  it("keeps a finding's fingerprint when lines move above it", async () => {
    const first = recordingIo(EXAMPLE);
    await runCli(["scan", "--format", "json", ...ARGS], first);

    const { scanRepository } = await import("../../src/engine/scan.js");
    const job = readFileSync(join(EXAMPLE, "apps/shop-api/db-migrate-job.yaml"), "utf8");
    const moved = scanRepository({
      rules: RULES,
      files: [{ path: "apps/shop-api/db-migrate-job.yaml", content: `# a new comment\n\n${job}` }],
    });

    const original = (
      JSON.parse(first.out()) as { findings: { file: string; fingerprint: string }[] }
    ).findings.find((f) => f.file === "apps/shop-api/db-migrate-job.yaml");
    expect(moved.findings[0]?.fingerprint).toBe(original?.fingerprint);
  });
});

describe("--format github", () => {
  it("prints one workflow command per finding, escaped", async () => {
    const io = recordingIo(EXAMPLE);

    const code = await runCli(["scan", "--format", "github", ...ARGS], io);

    const lines = io.out().trim().split("\n");
    expect(code).toBe(0);
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(
      /^::warning file=apps\/shop-api\/db-migrate-job\.yaml,line=4,col=1,endLine=6,title=argocd-job-guard plain-job::Job "shop-api-db-migrate"/,
    );
    expect(lines.every((line) => !line.slice(2).includes("\n"))).toBe(true);
    expect(lines[0]).toContain("%0AFix: Make the Job a PreSync hook");
  });
});

describe("progress", () => {
  it("is drawn on a terminal for a large scan, cleared at the end, and absent when stderr is not a terminal", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ajg-progress-"));
    for (let i = 0; i < 250; i++) {
      writeFileSync(
        join(dir, `cm-${i}.yaml`),
        `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-${i}\n`,
      );
    }
    const tty = recordingIo(dir, false, true);
    const pipe = recordingIo(dir, false, false);

    await runCli(["scan", "--format", "json"], tty);
    await runCli(["scan", "--format", "json"], pipe);
    rmSync(dir, { recursive: true, force: true });

    expect(tty.err()).toContain("argocd-job-guard: .: 100/250 files");
    expect(tty.err()).toContain("250/250 files");
    expect(tty.err().endsWith("\r\u001b[K")).toBe(true);
    expect(pipe.err()).toBe("");
    expect(JSON.parse(tty.out())).toEqual(JSON.parse(pipe.out()));
  });
});
