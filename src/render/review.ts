import { fingerprintOf } from "../engine/fingerprint.js";
import { SEVERITY_ORDER, type Finding, type TextEdit } from "../engine/types.js";
import { SEVERITY_ICON, escapeCode, jobName } from "./check-run.js";
import { inOneHunk, touchesAddedLine, type Hunk } from "./diff-hunks.js";
import { MAX_REVIEW_COMMENTS } from "./github-limits.js";
import { suggestionsFor, type Suggestion } from "./suggestions.js";

/** A file as `scan --fix` fixes it: the head text and the fixed text. */
export interface FixedFile {
  path: string;
  before: string;
  after: string;
}

export interface ReviewInput {
  /** The findings on the pull request's changed manifests (diff-aware against the merge base). */
  findings: readonly Finding[];
  /** The changed files that have safe fixes, fixed as `scan --fix` fixes them. */
  fixes: readonly FixedFile[];
  /** The hunks of each changed file; a file GitHub gave no patch for (too large) is absent. */
  hunks: ReadonlyMap<string, readonly Hunk[]>;
  /** What is already commented on the pull request: `commentKey`s read from the app's earlier comments. */
  posted: ReadonlySet<string>;
  maxComments?: number;
}

/** One line comment of the review, checked against the diff: GitHub's `start_line..line` on the new side. */
export interface PlannedComment {
  path: string;
  /** Only when the comment covers more than one line: GitHub refuses `start_line` equal to `line`. */
  startLine: number | null;
  line: number;
  body: string;
  findings: Finding[];
  suggestion: Suggestion | null;
}

export interface ReviewPlan {
  comments: PlannedComment[];
  /** Findings an earlier comment of the app already says the same about: never repeated. */
  alreadyCommented: Finding[];
  /** Findings whose lines the pull request did not add or change: the summary and the check run only. */
  outsideDiff: Finding[];
  /** Findings past the comment budget (highest severity commented first). */
  overBudget: Finding[];
}

const MARKER = /<!-- argocd-job-guard:finding fp=([0-9a-f,]{1,2000}) fix=([0-9a-f]{1,32}) -->/;
const FIXED_MARKER = "<!-- argocd-job-guard:fixed -->";

/**
 * Plans one review: one comment per suggestion (the regions of `scan --fix`'s result), and one per finding without
 * a safe fix, placed only where GitHub accepts it (inside one hunk) and only on lines the pull request added or
 * changed; no comment that an earlier one already makes; at most `maxComments`, errors first.
 */
export function planReview(input: ReviewInput): ReviewPlan {
  const suggested = suggestionComments(input);
  const candidates = [...suggested, ...plainComments(input, suggested)];
  const plan: ReviewPlan = { comments: [], alreadyCommented: [], outsideDiff: [], overBudget: [] };
  const placed: PlannedComment[] = [];
  for (const comment of candidates) {
    const hunks = input.hunks.get(comment.path) ?? [];
    const first = comment.startLine ?? comment.line;
    const introduced =
      touchesAddedLine(hunks, first, comment.line) ||
      comment.findings.some((f) => touchesAddedLine(hunks, f.location.line, f.location.endLine));
    if (!inOneHunk(hunks, first, comment.line) || !introduced) plan.outsideDiff.push(...comment.findings);
    else if (commentKeys(comment).every((key) => input.posted.has(key)))
      plan.alreadyCommented.push(...comment.findings);
    else placed.push(comment);
  }
  placed.sort(
    (a, b) =>
      severityOf(b) - severityOf(a) ||
      a.path.localeCompare(b.path) ||
      a.line - b.line ||
      b.body.localeCompare(a.body),
  );
  const budget = input.maxComments ?? MAX_REVIEW_COMMENTS;
  plan.comments = placed.slice(0, budget);
  plan.overBudget = placed.slice(budget).flatMap((c) => c.findings);
  // A finding split over several suggestions is reported once per list.
  for (const list of [plan.alreadyCommented, plan.outsideDiff, plan.overBudget]) {
    const unique = [...new Map(list.map((f) => [f.fingerprint, f])).values()];
    list.splice(0, list.length, ...unique);
  }
  return plan;
}

/** The keys a comment stands for: each finding with the fix it shows. */
export function commentKeys(comment: Pick<PlannedComment, "findings" | "suggestion">): string[] {
  const fix = fixKeyOf(comment);
  return comment.findings.map((f) => `${f.fingerprint}:${fix}`);
}

/** What an earlier comment of the app says it is about, read from its hidden marker; null for other comments. */
export function readCommentMarker(
  body: string,
): { fingerprints: string[]; keys: string[]; fixed: boolean } | null {
  const match = MARKER.exec(body);
  if (!match) return null;
  const fingerprints = (match[1] ?? "").split(",").filter((f) => f !== "");
  return {
    fingerprints,
    keys: fingerprints.map((f) => `${f}:${match[2] ?? ""}`),
    fixed: body.includes(FIXED_MARKER),
  };
}

/** An earlier comment whose findings are gone, said over REST where its thread cannot be resolved. */
export function renderFixedComment(body: string, sha: string): string {
  return `**✅ Fixed in ${sha}.**\n${FIXED_MARKER}\n\n<details><summary>What this comment said</summary>\n\n${body}\n</details>`;
}

/** The body of the review itself: GitHub requires one for a COMMENT review. */
export function renderReviewBody(plan: ReviewPlan, headSha: string): string {
  const n = plan.comments.length;
  const more =
    plan.overBudget.length > 0
      ? ` ${plan.overBudget.length} more finding${plan.overBudget.length === 1 ? " is" : "s are"} in the summary comment and the check run, to keep this review readable.`
      : "";
  return `argocd-job-guard: ${n} comment${n === 1 ? "" : "s"} on Jobs this pull request changes at ${headSha.slice(0, 7)} that Argo CD would fail to sync.${more} Committing every suggestion gives what \`argocd-job-guard scan --fix\` gives; \`/argocd-job-guard fix\` commits them all at once.`;
}

function suggestionComments(input: ReviewInput): PlannedComment[] {
  const comments: PlannedComment[] = [];
  for (const file of input.fixes) {
    const suggestions = suggestionsFor(file.before, file.after);
    if (!suggestions) continue;
    const fixed = input.findings.filter((f) => f.file === file.path && f.fix?.kind === "safe");
    const spans = fixed.map((f) => ({ finding: f, ...editLines(file.before, f.fix?.edits ?? []) }));
    for (const suggestion of suggestions) {
      const near = spans.filter(
        (s) => s.first <= suggestion.endLine + 1 && s.last >= suggestion.startLine - 1,
      );
      // A region only a later pass made (a fix that asked for another) belongs to the nearest Job's fix.
      const nearest = [...spans].sort(
        (a, b) => distance(a, suggestion) - distance(b, suggestion) || a.first - b.first,
      )[0];
      const findings = near.length > 0 ? near.map((s) => s.finding) : nearest ? [nearest.finding] : [];
      if (findings.length === 0) continue;
      comments.push(comment(file.path, suggestion.startLine, suggestion.endLine, findings, suggestion));
    }
  }
  return comments;
}

/** Findings no suggestion carries: a comment on the finding's own line, with its fix as a diff if it has one. */
function plainComments(input: ReviewInput, suggestions: readonly PlannedComment[]): PlannedComment[] {
  const suggested = new Set(suggestions.flatMap((c) => c.findings.map((f) => f.fingerprint)));
  return input.findings
    .filter((f) => !suggested.has(f.fingerprint))
    .map((f) => comment(f.file, f.location.line, f.location.line, [f], null));
}

function comment(
  path: string,
  first: number,
  last: number,
  findings: Finding[],
  suggestion: Suggestion | null,
): PlannedComment {
  const planned = {
    path,
    startLine: first < last ? first : null,
    line: last,
    findings,
    suggestion,
    body: "",
  };
  planned.body = renderComment(planned);
  return planned;
}

function renderComment(comment: Omit<PlannedComment, "body">): string {
  const parts = comment.findings.map(
    (f) =>
      `**${SEVERITY_ICON[f.severity]}** · [\`${f.rule}\`](${f.docsUrl}) · \`${escapeCode(jobName(f))}\`\n\n${f.message}`,
  );
  if (comment.suggestion) {
    const fence = fenceFor(comment.suggestion.body);
    parts.push(
      `${fence}suggestion\n${comment.suggestion.body}\n${fence}`,
      "_Committing this suggestion gives these lines as `argocd-job-guard scan --fix` writes them._",
    );
  } else {
    const [finding] = comment.findings;
    if (finding?.fix) {
      const fence = fenceFor(finding.fix.diff);
      const label =
        finding.fix.kind === "safe" ? "Fix" : "Suggested change (not applied by `--fix`: a choice to make)";
      parts.push(
        `${label}: ${finding.fix.description}\n\n${fence}diff\n${finding.fix.diff.trimEnd()}\n${fence}`,
      );
    } else if (finding?.noFixReason) parts.push(`_${finding.noFixReason}_`);
  }
  const fingerprints = comment.findings.map((f) => f.fingerprint).join(",");
  parts.push(`<!-- argocd-job-guard:finding fp=${fingerprints} fix=${fixKeyOf(comment)} -->`);
  return parts.join("\n\n");
}

function fixKeyOf(comment: Pick<PlannedComment, "findings" | "suggestion">): string {
  if (comment.suggestion) return fingerprintOf("suggestion", comment.suggestion.body);
  const diff = comment.findings[0]?.fix?.diff;
  return diff === undefined ? "0" : fingerprintOf("diff", diff.replace(/^@@[^\n]*$/gm, ""));
}

/** A fence longer than any run of backticks in the text, so that the text cannot close it. */
function fenceFor(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  return "`".repeat(Math.max(3, longest + 1));
}

/** The lines a fix's edits touch, in the text they apply to. */
function editLines(text: string, edits: readonly TextEdit[]): { first: number; last: number } {
  const start = Math.min(...edits.map((e) => e.start));
  const end = Math.max(...edits.map((e) => e.end));
  const lineAt = (offset: number) => text.slice(0, offset).split("\n").length;
  return { first: lineAt(start), last: lineAt(end) };
}

function distance(span: { first: number; last: number }, s: Suggestion): number {
  return Math.max(0, span.first - s.endLine, s.startLine - span.last);
}

function severityOf(comment: PlannedComment): number {
  return Math.max(...comment.findings.map((f) => SEVERITY_ORDER[f.severity]));
}
