import type { Finding } from "../engine/types.js";

/** Starts the hidden block of a fix PR's body: what the app needs to know about the PR on its next visit. */
export const FIX_PR_MARKER = "argocd-job-guard:fix-pr";

/** What the app recorded in a fix PR's body: the commit it last pushed and the findings that commit fixes. */
export interface FixPullRequestRecord {
  head: string;
  fingerprints: string[];
}

export interface FixPullRequestText {
  title: string;
  body: string;
}

/**
 * The title and body of the fix PR for a base branch: per Job, where, what goes wrong, what changes and at what
 * price; how to configure or suppress; and, hidden, the record of the commit and of the findings it fixes.
 */
export function renderFixPullRequest(
  findings: readonly Finding[],
  options: { baseBranch: string; baseSha: string; head: string; notCommitted: readonly string[] },
): FixPullRequestText {
  const jobs = new Set(findings.map((f) => `${f.file}\u0000${f.namespace ?? ""}\u0000${f.name ?? ""}`)).size;
  const title = `Fix ${jobs} Argo CD Job${jobs === 1 ? "" : "s"} that would fail to sync`;
  const rows = findings.map(
    (f) =>
      `| \`${escapeCode(f.name ?? f.kind)}\` | \`${escapeCode(f.file)}:${f.location.line}\` | [${f.rule}](${f.docsUrl}): ${escapeCell(f.message)} | ${escapeCell(f.fix?.description ?? "")} |`,
  );
  const sections = [
    `argocd-job-guard found Jobs on \`${escapeCode(options.baseBranch)}\` that Argo CD will fail to sync, or sync in a way that surprises. This pull request applies every safe fix: its files are exactly what \`argocd-job-guard scan --fix\` gives on a checkout of \`${options.baseSha.slice(0, 12)}\`, and only the lines each fix needs change.`,
    `| Job | Where | What goes wrong | The change, and its price |\n|---|---|---|---|\n${rows.join("\n")}`,
  ];
  if (options.notCommitted.length > 0) {
    sections.push(
      `Not in this pull request (GitHub does not let an app change workflow files): ${options.notCommitted.map((p) => `\`${escapeCode(p)}\``).join(", ")}. The check run shows their fixes as diffs to apply by hand.`,
    );
  }
  sections.push(
    [
      "### Another fix, or none",
      "",
      "- Choose how plain Jobs are fixed with `fix.strategy` (`hook`, `force`, `generateName`) in `.github/argocd-job-guard.yml`; `fix.hookPhase` and `fix.deletePolicy` tune the hook.",
      '- Keep a Job as it is with the annotation `argocd-job-guard.io/ignore: "<rule>"` (or `all`), or turn a rule off for the repository with `rules: { <rule>: off }`.',
      "- `report.fixPullRequest: off` removes the button that opens this pull request.",
    ].join("\n"),
  );
  const record: FixPullRequestRecord = {
    head: options.head,
    fingerprints: [...new Set(findings.map((f) => f.fingerprint))].sort(),
  };
  sections.push(`<!-- ${FIX_PR_MARKER} ${JSON.stringify(record)} -->`);
  return { title, body: sections.join("\n\n") };
}

/** The record hidden in a fix PR's body, or null when the body has none (or was edited beyond reading). */
export function readFixPullRequestRecord(body: string | null | undefined): FixPullRequestRecord | null {
  const match = new RegExp(`<!-- ${FIX_PR_MARKER} (\\{[^\\n]*?\\}) -->`).exec(body ?? "");
  if (!match?.[1]) return null;
  try {
    const value = JSON.parse(match[1]) as Partial<FixPullRequestRecord>;
    return typeof value.head === "string" && Array.isArray(value.fingerprints)
      ? { head: value.head, fingerprints: value.fingerprints.filter((f) => typeof f === "string") }
      : null;
  } catch {
    return null;
  }
}

function escapeCode(text: string): string {
  return text.replace(/`/g, "'").replace(/[\r\n|]/g, " ");
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/[\r\n]+/g, " ");
}
