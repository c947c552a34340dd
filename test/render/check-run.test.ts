import { describe, expect, it } from "@jest/globals";
import { RULES } from "../../src/rules/index.js";
import { scanRepository } from "../../src/engine/scan.js";
import { fitSummary, renderScanReport } from "../../src/render/check-run.js";
import { MAX_SUMMARY_LENGTH } from "../../src/render/github-limits.js";

function job(name: string, extra = ""): string {
  return `apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: ${name}\nspec:\n${extra}  template:\n    spec:\n      restartPolicy: Never\n`;
}

describe("check run report", () => {
  it.each([
    [
      "errors",
      {
        "a.yaml": `${job("a")}`.replace(
          "metadata:\n",
          "metadata:\n  annotations:\n    argocd.argoproj.io/hook: presync\n",
        ),
      },
      "failure",
      "1 error",
    ],
    ["warnings only, by default", { "a.yaml": job("a") }, "neutral", "1 warning"],
    [
      "nothing",
      { "a.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n" },
      "success",
      "No Job problems in 1 changed manifest",
    ],
  ])("conclusion and title for %s", (_label, files, conclusion, title) => {
    const result = scanRepository({
      rules: RULES,
      files: Object.entries(files).map(([path, content]) => ({ path, content })),
    });

    const report = renderScanReport(result, {
      conclusionOnWarnings: "neutral",
      changedManifests: Object.keys(files),
      diffAware: false,
    });

    expect(report.conclusion).toBe(conclusion);
    expect(report.title).toBe(title);
  });

  it("warnings can be configured to fail the check", () => {
    const result = scanRepository({ rules: RULES, files: [{ path: "a.yaml", content: job("a") }] });

    expect(
      renderScanReport(result, {
        conclusionOnWarnings: "failure",
        changedManifests: ["a.yaml"],
        diffAware: false,
      }).conclusion,
    ).toBe("failure");
  });

  it("says when every manifest was assumed deployed, and lists the files not analysed", () => {
    const result = scanRepository({
      rules: RULES,
      files: [
        { path: "a.yaml", content: job("a") },
        { path: "b.yaml", content: "kind: Job\nmetadata: [\n" },
      ],
    });

    const { summary } = renderScanReport(result, {
      conclusionOnWarnings: "neutral",
      changedManifests: ["a.yaml", "b.yaml"],
      diffAware: false,
    });

    expect(summary).toContain("every manifest was assumed to be deployed");
    expect(summary).toContain("### Files not analysed\n\n- `b.yaml`: invalid YAML (line 3");
  });

  it("shows every note of the scan and of each Application, also when every manifest was assumed deployed", () => {
    const result = scanRepository({ rules: RULES, files: [{ path: "a.yaml", content: job("a") }] });
    result.notes.push("a note of the scan");
    result.apps.push({
      name: "web",
      kind: "Application",
      file: "argocd/web.yaml",
      paths: [],
      resolution: null,
      notes: ["its path is templated"],
    });

    const { summary } = renderScanReport(result, {
      conclusionOnWarnings: "neutral",
      changedManifests: ["a.yaml"],
      diffAware: false,
    });

    expect(summary).toContain(
      "- No Argo CD Application or ApplicationSet in this repository deploys from it",
    );
    expect(summary).toContain("- a note of the scan");
    expect(summary).toContain('- Application "web" (argocd/web.yaml): its path is templated');
  });

  it("cuts a summary over GitHub's 65,535 characters at a line, closes open blocks and says so", () => {
    const sections = [
      "# head",
      "<details><summary>x</summary>\n\n```diff\n" + "+ a line of a long diff\n".repeat(4000),
    ];

    const summary = fitSummary(sections);

    expect(summary.length).toBeLessThanOrEqual(MAX_SUMMARY_LENGTH);
    expect(summary).toContain("cut to fit GitHub's 65,535-character limit");
    expect((summary.match(/```/g) ?? []).length % 2).toBe(0);
    expect(summary).toContain("</details>");
  });

  it("a report for many Jobs stays within the limit and annotates every finding", () => {
    const many = Array.from({ length: 400 }, (_, i) =>
      job(`a-rather-long-job-name-for-the-summary-${i}`),
    ).join("---\n");
    const result = scanRepository({ rules: RULES, files: [{ path: "jobs.yaml", content: many }] });

    const report = renderScanReport(result, {
      conclusionOnWarnings: "neutral",
      changedManifests: ["jobs.yaml"],
      diffAware: false,
    });

    expect(report.summary.length).toBeLessThanOrEqual(MAX_SUMMARY_LENGTH);
    expect(report.annotations).toHaveLength(400);
    expect(report.annotations.every((a) => a.message.includes("docs/rules/plain-job.md"))).toBe(true);
  });
});

describe("check run actions", () => {
  it("are refused past GitHub's limits, before any request", async () => {
    const { assertValidActions } = await import("../../src/github/check-run-publisher.js");
    const ok = {
      label: "Open fix PR",
      description: "Open a pull request with the fixes",
      identifier: "open-fix-pr",
    };

    expect(() => assertValidActions([ok, ok, ok])).not.toThrow();
    expect(() => assertValidActions([ok, ok, ok, ok])).toThrow("at most 3 actions");
    expect(() => assertValidActions([{ ...ok, label: "Open the fix pull request" }])).toThrow(
      "over 20 characters",
    );
  });
});
