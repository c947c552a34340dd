import { describe, expect, it } from "@jest/globals";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fixRepository } from "../../src/engine/scan.js";
import { parsePatch, type Hunk } from "../../src/render/diff-hunks.js";
import { commentKeys, planReview, readCommentMarker, renderReviewBody } from "../../src/render/review.js";
import { renderSummaryComment } from "../../src/render/summary-comment.js";
import { RULES } from "../../src/rules/index.js";
import { jobYaml } from "../helpers/manifests.js";
import { patchOf } from "../helpers/pull-request-mock.js";

const GOLDEN = join(import.meta.dirname, "..", "fixtures", "render", "review.md");

const FILES = {
  "apps/db-migrate.yaml": jobYaml("db-migrate"),
  // A misspelt delete policy: fixed in two passes (the policy, then BeforeHookCreation) on one Job.
  "apps/seed.yaml": jobYaml("seed", {
    metadataExtra:
      "\n  annotations:\n    argocd.argoproj.io/hook: Sync\n    argocd.argoproj.io/hook-delete-policy: hook-succeeded",
  }),
};

function reviewOf(hunks: ReadonlyMap<string, readonly Hunk[]>, posted: ReadonlySet<string> = new Set()) {
  const { result, fixes } = fixRepository({
    files: Object.entries(FILES).map(([path, content]) => ({ path, content })),
    rules: RULES,
  });
  return planReview({ findings: result.findings, fixes, hunks, posted });
}

const ADDED = new Map(Object.entries(FILES).map(([path, text]) => [path, parsePatch(patchOf("", text))]));

describe("the review", () => {
  it("matches the golden file: each comment, the review body and the summary (UPDATE_GOLDEN=1 rewrites it)", () => {
    const plan = reviewOf(ADDED);
    const summary = renderSummaryComment({
      findings: plan.comments.flatMap((c) =>
        c.findings.map((finding) => ({ finding, place: "commented" as const })),
      ),
    });
    const rendered = [
      `# Review\n\n${renderReviewBody(plan, "f".repeat(40))}`,
      ...plan.comments.map((c) => `## ${c.path}:${c.startLine ?? c.line}-${c.line}\n\n${c.body}`),
      `# Summary comment\n\n${summary}`,
      `# All clear\n\n${renderSummaryComment({ findings: [] })}`,
    ].join("\n\n");
    if (process.env.UPDATE_GOLDEN) writeFileSync(GOLDEN, `${rendered}\n`);

    expect(`${rendered}\n`).toBe(readFileSync(GOLDEN, "utf8"));
  });

  it("reads back what each comment is about from its marker, so nothing is commented twice", () => {
    const plan = reviewOf(ADDED);
    const posted = new Set(plan.comments.flatMap((c) => readCommentMarker(c.body)?.keys ?? []));

    expect(plan.comments.flatMap((c) => commentKeys(c))).toEqual([...posted]);
    expect(reviewOf(ADDED, posted).comments).toEqual([]);
    expect(reviewOf(ADDED, posted).alreadyCommented).toHaveLength(
      plan.comments.flatMap((c) => c.findings).length,
    );
  });

  it("a file GitHub gave no patch for gets no comment: its findings are outside the diff", () => {
    const plan = reviewOf(new Map([["apps/seed.yaml", ADDED.get("apps/seed.yaml") ?? []]]));

    expect(plan.comments.map((c) => c.path)).toEqual(["apps/seed.yaml"]);
    expect(plan.outsideDiff.map((f) => f.file)).toEqual(["apps/db-migrate.yaml"]);
  });

  it("keeps to the budget, errors first", () => {
    const plan = planReview({ ...inputWithBudget(), maxComments: 1 });

    expect(plan.comments).toHaveLength(1);
    expect(plan.overBudget.length).toBeGreaterThan(0);
  });

  function inputWithBudget() {
    const { result, fixes } = fixRepository({
      files: Object.entries(FILES).map(([path, content]) => ({ path, content })),
      rules: RULES,
    });
    return { findings: result.findings, fixes, hunks: ADDED, posted: new Set<string>() };
  }
});
