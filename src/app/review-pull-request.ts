import type { Context } from "probot";
import type { Config } from "../config/schema.js";
import type { Finding } from "../engine/types.js";
import {
  completeCheckRun,
  noteOnCheckRun,
  publishCheckRun,
  startCheckRun,
} from "../github/check-run-publisher.js";
import type { RepoRef } from "../github/repo-source.js";
import {
  ReviewPublisher,
  ReviewRefusedError,
  type PostedComment,
  type PullRequestDiff,
} from "../github/review-publisher.js";
import {
  renderConfigErrorReport,
  renderGitHubUnavailableReport,
  renderInternalErrorReport,
  renderNoManifestsReport,
  renderScanReport,
  type CheckRunReport,
} from "../render/check-run.js";
import { parsePatch, type Hunk } from "../render/diff-hunks.js";
import { MAX_COMPARE_FILES, MAX_REVIEW_COMMENTS } from "../render/github-limits.js";
import {
  planReview,
  readCommentMarker,
  renderFixedComment,
  renderReviewBody,
  type ReviewPlan,
} from "../render/review.js";
import { renderSummaryComment, type FindingPlace } from "../render/summary-comment.js";
import { loadRepoConfig } from "./load-config.js";
import { isManifest, scanCommit } from "./scan-commit.js";
import { OneAtATime } from "./one-at-a-time.js";
import type { Scanner } from "./scanner.js";

type Octokit = Context["octokit"];

/** A pull request as its event tells it. */
export interface PullRequestToReview {
  number: number;
  headSha: string;
  baseSha: string;
  draft: boolean;
  repoUrl: string;
}

/**
 * A pull request's head: scanned as a push is, but diff-aware against the merge base (a Job changed on the base
 * branch and not on this branch is not this pull request's problem). Publishes the head commit's check run, one
 * COMMENT review with suggestions on the lines the pull request changed (nothing said twice), resolves the app's
 * threads whose findings are gone, and keeps the one summary comment. The check run always completes; a review
 * GitHub refuses is said on it.
 */
export function reviewPullRequest(
  context: { octokit: Octokit; config: Context["config"] },
  ref: RepoRef,
  pull: PullRequestToReview,
  scanner: Scanner,
): Promise<void> {
  // Two deliveries for one pull request (`opened` then a quick `synchronize`, a re-run) would both read "nothing
  // posted yet" and both post: one at a time, the second reads what the first wrote.
  return reviewsInProgress.run(`${ref.owner}/${ref.repo}#${pull.number}`, () =>
    reviewNow(context, ref, pull, scanner),
  );
}

/** One review at a time per pull request, in this process (replicas share deliveries through Redis). */
const reviewsInProgress = new OneAtATime();

async function reviewNow(
  context: { octokit: Octokit; config: Context["config"] },
  ref: RepoRef,
  pull: PullRequestToReview,
  scanner: Scanner,
): Promise<void> {
  const { octokit } = context;
  const loaded = await loadRepoConfig(context);
  if (!loaded.ok && "unavailable" in loaded) {
    await publishCheckRun(octokit, ref, pull.headSha, renderGitHubUnavailableReport(loaded.unavailable));
    return;
  }
  if (!loaded.ok) {
    await publishCheckRun(octokit, ref, pull.headSha, renderConfigErrorReport(loaded.file, loaded.errors));
    return;
  }
  const { config } = loaded;
  const publisher = new ReviewPublisher(octokit, ref, pull.number);
  const reviews = config.report.review && (config.report.drafts || !pull.draft);
  if (!config.report.checkRun && !reviews) return;

  let checkRunId: number | null = null;
  let outcome: Scanned & { posted: PostedComment[] | null };
  try {
    const diff = await publisher.diff(pull.baseSha, pull.headSha);
    const manifestsChanged = diff.files.some((file) => isManifest(file.path));
    if (config.report.checkRun && (manifestsChanged || config.report.checkRunWhenNoManifests))
      checkRunId = await startCheckRun(octokit, ref, pull.headSha);
    const posted = reviews
      ? await publisher.postedComments((body) => readCommentMarker(body) !== null)
      : null;
    outcome = { ...(await scanAndPlan(octokit, ref, config, pull, diff, scanner, posted)), posted };
    if (checkRunId !== null) await completeCheckRun(octokit, ref, checkRunId, outcome.report);
  } catch (error) {
    // The check run must never be left missing or spinning: the error itself is the report.
    if (config.report.checkRun) {
      const report = renderInternalErrorReport(error instanceof Error ? error.message : String(error));
      const id = checkRunId;
      await (
        id === null
          ? publishCheckRun(octokit, ref, pull.headSha, report)
          : completeCheckRun(octokit, ref, id, report)
      ).catch(() => undefined);
    }
    throw error;
  }
  if (!outcome.posted || !outcome.plan) return;
  await publishReview(publisher, pull, outcome.findings, outcome.plan, outcome.posted, async (note) => {
    if (checkRunId !== null) await noteOnCheckRun(octokit, ref, checkRunId, outcome.report, note);
  });
}

interface Scanned {
  report: CheckRunReport;
  findings: Finding[];
  /** Null when the pull request gets no review. */
  plan: ReviewPlan | null;
}

async function scanAndPlan(
  octokit: Octokit,
  ref: RepoRef,
  config: Config,
  pull: PullRequestToReview,
  diff: PullRequestDiff,
  scanner: Scanner,
  posted: readonly PostedComment[] | null,
): Promise<Scanned> {
  const emptyPlan = { comments: [], alreadyCommented: [], outsideDiff: [], overBudget: [] };
  if (!diff.files.some((file) => isManifest(file.path))) {
    return { report: renderNoManifestsReport(), findings: [], plan: posted ? emptyPlan : null };
  }
  const scan = await scanCommit(
    octokit,
    ref,
    config,
    { headSha: pull.headSha, baseSha: diff.mergeBase, changed: diff.files, repoUrl: pull.repoUrl },
    scanner,
  );
  const findings = scan.result.findings;
  let plan: ReviewPlan | null = null;
  if (posted) {
    const hunks = new Map<string, Hunk[]>();
    for (const [path, patch] of diff.patches) hunks.set(path, parsePatch(patch));
    const { fixes } = findings.some((f) => f.fix?.kind === "safe")
      ? await scanner.fix({ ...scan.snapshot, repoUrl: pull.repoUrl, config, targets: scan.changedManifests })
      : { fixes: [] };
    const changed = new Set(scan.changedManifests);
    const texts = new Map(
      scan.snapshot.files
        .filter((file) => changed.has(file.path))
        .map((file) => [file.path, Buffer.from(file.content).toString("utf8")] as const),
    );
    plan = planReview({
      findings,
      fixes,
      hunks,
      texts,
      posted: new Set(posted.flatMap((c) => readCommentMarker(c.body)?.keys ?? [])),
    });
  }
  const notes = [...scan.readNotes];
  if (!diff.complete)
    notes.unshift(
      `GitHub's compare lists at most ${MAX_COMPARE_FILES} changed files and this pull request changes more: only the manifests among those were scanned.`,
    );
  if (plan && plan.outsideDiff.length + plan.overBudget.length > 0)
    notes.push(
      `Of these findings, ${plan.outsideDiff.length} are on lines this pull request does not change and ${plan.overBudget.length} are past the ${MAX_REVIEW_COMMENTS} comments of one review: they are annotated here and listed in the summary comment, not commented on their lines.`,
    );
  const report = renderScanReport(scan.result, {
    conclusionOnWarnings: config.report.conclusionOnWarnings,
    changedManifests: scan.changedManifests,
    diffAware: true,
    readNotes: notes,
  });
  return { report, findings, plan };
}

/**
 * The review (only when something new is to be said), the resolution of threads whose findings are gone, and the
 * summary comment (created when there are findings, edited when its text changes, "all clear" at the end).
 */
async function publishReview(
  publisher: ReviewPublisher,
  pull: PullRequestToReview,
  findings: readonly Finding[],
  plan: ReviewPlan,
  posted: readonly PostedComment[],
  noteOnCheckRun: (note: string) => Promise<void>,
): Promise<void> {
  const places = new Map<string, FindingPlace>();
  for (const f of [...plan.alreadyCommented, ...plan.comments.flatMap((c) => c.findings)])
    places.set(f.fingerprint, "commented");
  for (const f of plan.outsideDiff) places.set(f.fingerprint, "outside-diff");
  for (const f of plan.overBudget) places.set(f.fingerprint, "over-budget");
  const summaryNotes: string[] = [];
  if (plan.comments.length > 0) {
    try {
      await publisher.review(pull.headSha, renderReviewBody(plan, pull.headSha), plan.comments);
    } catch (error) {
      if (!(error instanceof ReviewRefusedError)) throw error;
      for (const f of plan.comments.flatMap((c) => c.findings)) places.set(f.fingerprint, "review-refused");
      const note = `GitHub refused the review (422 ${error.message}): its findings are annotated in this check run.`;
      summaryNotes.push(note);
      await noteOnCheckRun(note);
    }
  }

  const current = new Set(findings.map((f) => f.fingerprint));
  const fixed = posted.filter((c) => {
    const marker = readCommentMarker(c.body);
    return marker !== null && !marker.fixed && marker.fingerprints.every((f) => !current.has(f));
  });
  await publisher.resolve(fixed, (body) => renderFixedComment(body, pull.headSha));

  const summary = renderSummaryComment({
    findings: findings.map((finding) => ({
      finding,
      place: places.get(finding.fingerprint) ?? "outside-diff",
    })),
    notes: summaryNotes,
  });
  await publisher.upsertSummary(summary, findings.length > 0);
}
