import type { Finding } from "../engine/types.js";

/** Starts the hidden block of a fix PR's body: what the app needs to know about the PR on its next visit. */
export const FIX_PR_MARKER = "argocd-job-guard:fix-pr";

/** What the app recorded in a fix PR's body: the commit it last pushed and the findings that commit fixes. */
export interface FixPullRequestRecord {
  head: string;
  fingerprints: string[];
  /** Each fixed finding's object digest, by fingerprint: a declined fix stays declined while its Job is unchanged. */
  digests: Record<string, string>;
  /** Who closed the pull request unmerged, declining its fixes. */
  declinedBy?: string;
  /** A commit someone else pushed to the branch, once the app has said it stops updating it. */
  foreignHead?: string;
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
      "- Closing this pull request without merging it declines these fixes: they are not proposed again while their Jobs stay as they are (reopen it to undo).",
    ].join("\n"),
  );
  const fingerprints = [...new Set(findings.map((f) => f.fingerprint))].sort();
  const digestOf = new Map(findings.map((f) => [f.fingerprint, f.objectDigest]));
  const digests = Object.fromEntries(fingerprints.map((f) => [f, digestOf.get(f) ?? ""]));
  sections.push(recordBlock({ head: options.head, fingerprints, digests }));
  return { title, body: sections.join("\n\n") };
}

function recordBlock(record: FixPullRequestRecord): string {
  return `<!-- ${FIX_PR_MARKER} ${JSON.stringify(record)} -->`;
}

/** The body with its hidden record replaced (the visible text is left as the app or a person wrote it). */
export function withFixPullRequestRecord(body: string | null, record: FixPullRequestRecord): string {
  const text = body ?? "";
  const block = recordBlock(record);
  return RECORD.test(text) ? text.replace(RECORD, () => block) : `${text}\n\n${block}`;
}

/** Said once on a fix PR a person closed unmerged. */
export function renderDeclinedComment(login: string, fixes: number, baseBranch: string): string {
  return [
    `@${login} closed this pull request without merging it, so argocd-job-guard will not propose ${fixes === 1 ? "this fix" : `these ${fixes} fixes`} for \`${escapeCode(baseBranch)}\` again while the Jobs stay as they are. The findings are still reported on each push; a Job edited later gets its fix proposed again.`,
    "",
    'Changed your mind? Reopen this pull request: the app keeps it up to date again. To keep a Job as it is for good, annotate it with `argocd-job-guard.io/ignore: "<rule>"`.',
  ].join("\n");
}

/** Said once on a fix PR when someone else pushed to its branch. */
export function renderForeignPushComment(sha: string, fixBranch: string): string {
  return `Someone other than argocd-job-guard pushed ${sha.slice(0, 7)} to \`${escapeCode(fixBranch)}\`: the app no longer updates this pull request, so that their commit is never overwritten. Merge or close it to get a fresh fix pull request on a later push.`;
}

/** Said on a fix PR replaced by a new one because a repository rule refuses to force-update its branch. */
export function renderReplacedComment(newNumber: number, fixBranch: string): string {
  return `Replaced by #${newNumber}: a repository rule refuses to force-update \`${escapeCode(fixBranch)}\`, so argocd-job-guard recreated the branch with the new fixes instead of rewriting it.`;
}

/** The record hidden in a fix PR's body, or null when the body has none (or was edited beyond reading). */
export function readFixPullRequestRecord(body: string | null | undefined): FixPullRequestRecord | null {
  const match = RECORD.exec(body ?? "");
  if (!match?.[1]) return null;
  try {
    const value = JSON.parse(match[1]) as Partial<Record<keyof FixPullRequestRecord, unknown>>;
    if (typeof value.head !== "string" || !Array.isArray(value.fingerprints)) return null;
    const digests =
      value.digests && typeof value.digests === "object"
        ? Object.fromEntries(Object.entries(value.digests).filter(([, v]) => typeof v === "string"))
        : {};
    return {
      head: value.head,
      fingerprints: value.fingerprints.filter((f): f is string => typeof f === "string"),
      digests,
      ...(typeof value.declinedBy === "string" ? { declinedBy: value.declinedBy } : {}),
      ...(typeof value.foreignHead === "string" ? { foreignHead: value.foreignHead } : {}),
    };
  } catch {
    return null;
  }
}

const RECORD = new RegExp(`<!-- ${FIX_PR_MARKER} (\\{[^\\n]*?\\}) -->`);

function escapeCode(text: string): string {
  return text.replace(/`/g, "'").replace(/[\r\n|]/g, " ");
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/[\r\n]+/g, " ");
}
