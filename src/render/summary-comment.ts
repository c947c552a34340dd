import type { Finding } from "../engine/types.js";
import { SEVERITY_ICON, escapeCode, escapeMarkdown, jobName } from "./check-run.js";
import { MAX_COMMENT_LENGTH, MAX_REVIEW_COMMENTS } from "./github-limits.js";
import { countBySeverity } from "./severity-counts.js";

/** Finds the app's one summary comment on a pull request again, to edit it instead of adding another. */
export const SUMMARY_MARKER = "<!-- argocd-job-guard:summary -->";

/** Where each finding of the pull request is told. */
export type FindingPlace = "commented" | "outside-diff" | "over-budget" | "review-refused";

export interface SummaryInput {
  findings: readonly { finding: Finding; place: FindingPlace }[];
  /** Lines the summary must add (a review GitHub refused, how the commit was read). */
  notes?: readonly string[];
}

const PLACE: Record<FindingPlace, string> = {
  commented: "commented on its line",
  "outside-diff": "not on a line this pull request changes: in the check run",
  "over-budget": `past the ${MAX_REVIEW_COMMENTS} comments of one review: in the check run`,
  "review-refused": "GitHub refused the review: in the check run",
};

export const COMMANDS_HELP = [
  "- `/argocd-job-guard fix`: commit every safe fix onto this pull request's branch (people with write access; a pull request from a fork gets the patch instead).",
  "- `/argocd-job-guard help`: this list.",
].join("\n");

/**
 * The pull request's one summary comment. It holds no commit sha, so that a push that changes nothing in the
 * findings leaves it as it is (the app edits it only when its text changes); once everything is fixed it says
 * "all clear" instead of disappearing.
 */
export function renderSummaryComment(input: SummaryInput): string {
  const { findings } = input;
  const notes = (input.notes ?? []).map((note) => `> ${escapeMarkdown(note)}`);
  if (findings.length === 0) {
    return [
      SUMMARY_MARKER,
      "### Argo CD Jobs: ✅ all clear",
      "No Job this pull request changes will fail to sync in Argo CD.",
      ...notes,
    ].join("\n\n");
  }
  const counts = countBySeverity(findings.map((f) => f.finding));
  const described = (["error", "warning", "info"] as const)
    .filter((s) => counts[s] > 0)
    .map((s) => `${counts[s]} ${s}${counts[s] === 1 || s === "info" ? "" : "s"}`)
    .join(", ");
  const head = [
    SUMMARY_MARKER,
    `### Argo CD Jobs: ${described}`,
    "Jobs this pull request changes that Argo CD would fail to sync, or sync in a way you may not expect.",
    ...notes,
  ];
  const tail = [
    "<details><summary>Commands</summary>\n\n" + COMMANDS_HELP + "\n</details>",
    "_To quiet the app: `report.review: false` in `.github/argocd-job-guard.yml` (only the check run), `report.drafts: false` (no review on drafts), or silence one Job as the README says under Suppressing a finding._",
  ];
  const rows = findings.map(
    ({ finding: f, place }) =>
      `| ${SEVERITY_ICON[f.severity]} | [${f.rule}](${f.docsUrl}) | \`${escapeCode(jobName(f))}\` | \`${f.file}:${f.location.line}\` | ${PLACE[place]} |`,
  );
  const table = ["| Severity | Rule | Object | Where | Reported |", "|---|---|---|---|---|"];
  let length = [...head, ...tail].join("\n\n").length + table.join("\n").length + 200;
  let shown = 0;
  for (const row of rows) {
    if (length + row.length + 1 > MAX_COMMENT_LENGTH) break;
    table.push(row);
    length += row.length + 1;
    shown++;
  }
  const cut = shown < rows.length ? [`_${rows.length - shown} more in the check run._`] : [];
  return [...head, table.join("\n"), ...cut, ...tail].join("\n\n");
}
