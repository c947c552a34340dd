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
  /**
   * The head text of the changed manifests: a finding whose own lines the pull request did not touch, in a Job it
   * did change (an image bump makes `immutable-change` on the Job's name), is commented on the Job's first changed
   * line instead.
   */
  texts?: ReadonlyMap<string, string>;
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
  const movedToChangedLine = new Set<string>();
  for (const candidate of candidates) {
    const hunks = input.hunks.get(candidate.path) ?? [];
    const first = candidate.startLine ?? candidate.line;
    const introduced =
      touchesAddedLine(hunks, first, candidate.line) ||
      candidate.findings.some((f) => touchesAddedLine(hunks, f.location.line, f.location.endLine));
    const comments = [candidate];
    if (!inOneHunk(hunks, first, candidate.line) || !introduced) {
      comments.length = 0;
      for (const finding of candidate.findings) {
        const line = firstChangedLineOfDocument(
          input.texts?.get(candidate.path),
          hunks,
          finding.location.line,
        );
        if (line === null) plan.outsideDiff.push(finding);
        else if (!movedToChangedLine.has(finding.fingerprint)) {
          movedToChangedLine.add(finding.fingerprint);
          comments.push(comment(candidate.path, line, line, [finding], null, ON_CHANGED_LINE_NOTE));
        }
      }
    }
    for (const c of comments) {
      if (commentKeys(c).every((key) => input.posted.has(key))) plan.alreadyCommented.push(...c.findings);
      else placed.push(c);
    }
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

const ON_CHANGED_LINE_NOTE =
  "_On the first line of this Job that the pull request changes: the finding's own lines are outside the diff, where GitHub takes no suggestion. `/argocd-job-guard fix` commits the fix._";

function comment(
  path: string,
  first: number,
  last: number,
  findings: Finding[],
  suggestion: Suggestion | null,
  note: string | null = null,
): PlannedComment {
  const planned = {
    path,
    startLine: first < last ? first : null,
    line: last,
    findings,
    suggestion,
    body: "",
  };
  planned.body = renderComment(planned, note);
  return planned;
}

/**
 * The first line the pull request added or changed in the YAML document holding `line` (between `---` lines), or
 * null when it changed none there: then the finding was there before, and is not this pull request's to comment on.
 */
function firstChangedLineOfDocument(
  text: string | undefined,
  hunks: readonly Hunk[],
  line: number,
): number | null {
  if (text === undefined) return null;
  const lines = text.split("\n");
  const separator = (n: number) => /^---(\s|$)/.test(lines[n - 1] ?? "");
  let start = Math.min(line, lines.length);
  while (start > 1 && !separator(start)) start--;
  let end = line;
  while (end < lines.length && !separator(end + 1)) end++;
  const added = hunks.flatMap((hunk) => [...hunk.added]).filter((n) => n >= start && n <= end);
  return added.length > 0 ? Math.min(...added) : null;
}

function renderComment(comment: Omit<PlannedComment, "body">, note: string | null): string {
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
  if (note) parts.push(note);
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
