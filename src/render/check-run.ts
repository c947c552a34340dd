import type { Finding, PathResolution, ScanResult, Severity } from "../engine/types.js";
import { scanNotes } from "./notes.js";
import { countBySeverity } from "./severity-counts.js";
import { MAX_ANNOTATION_MESSAGE_LENGTH, MAX_SUMMARY_LENGTH, MAX_TITLE_LENGTH } from "./github-limits.js";

export type Conclusion = "success" | "failure" | "neutral";

export interface CheckRunAnnotation {
  path: string;
  start_line: number;
  end_line: number;
  annotation_level: "failure" | "warning" | "notice";
  title: string;
  message: string;
  raw_details?: string;
}

/** What the check run shows; the publisher turns it into API calls. `actions` stays empty until a button works. */
export interface CheckRunReport {
  conclusion: Conclusion;
  title: string;
  summary: string;
  annotations: CheckRunAnnotation[];
}

const LEVEL: Record<Severity, CheckRunAnnotation["annotation_level"]> = {
  error: "failure",
  warning: "warning",
  info: "notice",
};
export const SEVERITY_ICON: Record<Severity, string> = {
  error: "🔴 error",
  warning: "🟠 warning",
  info: "🔵 info",
};

export interface ScanReportOptions {
  conclusionOnWarnings: Conclusion;
  /** The changed manifests the scan looked at (a push's diff). */
  changedManifests: readonly string[];
  diffAware: boolean;
  /** How the commit was read, when not as a checkout would be (the archive failed, a listing was cut). */
  readNotes?: readonly string[];
  /** What the App says about the branch's fix pull request (fixes declined). */
  fixNotes?: readonly string[];
}

/** The check run for a scanned commit: conclusion, title with counts, markdown summary, one annotation per finding. */
export function renderScanReport(result: ScanResult, options: ScanReportOptions): CheckRunReport {
  const counts = countBySeverity(result.findings);
  const conclusion: Conclusion =
    counts.error > 0 ? "failure" : counts.warning > 0 ? options.conclusionOnWarnings : "success";
  const scanned = options.changedManifests.length;
  const title =
    result.findings.length === 0
      ? `No Job problems in ${scanned} changed manifest${scanned === 1 ? "" : "s"}`
      : describeCounts(counts);
  const sections: string[] = [];
  sections.push(
    result.findings.length === 0
      ? `No Job that Argo CD deploys will fail to sync in the ${scanned} changed manifest${scanned === 1 ? "" : "s"}.`
      : `**${describeCounts(counts)}** in ${scanned} changed manifest${scanned === 1 ? "" : "s"}${options.diffAware ? " (compared with the previous commit)" : ""}.`,
  );
  if (result.findings.length > 0) sections.push(findingsTable(result.findings));
  const fixes = result.findings.filter((f) => f.fix !== null);
  if (fixes.length > 0) sections.push(fixesSection(fixes));
  sections.push(appsSection(result));
  if (options.readNotes && options.readNotes.length > 0) {
    sections.push(
      `### How this commit was read\n\n${options.readNotes.map((n) => `- ${escapeMarkdown(n)}`).join("\n")}`,
    );
  }
  if (options.fixNotes && options.fixNotes.length > 0) {
    sections.push(
      `### Fix pull request\n\n${options.fixNotes.map((n) => `- ${escapeMarkdown(n)}`).join("\n")}`,
    );
  }
  if (result.files.skipped.length > 0) {
    sections.push(
      `### Files not analysed\n\n${result.files.skipped.map((s) => `- \`${s.file}\`: ${escapeMarkdown(s.reason)}`).join("\n")}`,
    );
  }
  return {
    conclusion,
    title: truncate(title, MAX_TITLE_LENGTH),
    summary: fitSummary(sections),
    annotations: result.findings.map(toAnnotation),
  };
}

export function renderNoManifestsReport(): CheckRunReport {
  return {
    conclusion: "neutral",
    title: "No Kubernetes manifests changed",
    summary: "This push changes no YAML or JSON file, so there is no Job to check.",
    annotations: [],
  };
}

export function renderConfigErrorReport(file: string, errors: readonly string[]): CheckRunReport {
  return {
    conclusion: "failure",
    title: "Invalid argocd-job-guard configuration",
    summary: fitSummary([
      `The configuration \`${file}\` is not valid, so this commit was not scanned. Fix these and push again:`,
      errors.map((e) => `- ${escapeMarkdown(e)}`).join("\n"),
      "The keys and values are documented in the README, under Configuration.",
    ]),
    annotations: [],
  };
}

export function renderGitHubUnavailableReport(message: string): CheckRunReport {
  return {
    conclusion: "neutral",
    title: "GitHub did not answer: this commit was not scanned",
    summary: `Reading the configuration from GitHub failed, after retries: \`${escapeMarkdown(message)}\`. This is not a problem with the repository. Re-run the check to try again.`,
    annotations: [],
  };
}

export function renderInternalErrorReport(message: string): CheckRunReport {
  return {
    conclusion: "neutral",
    title: "argocd-job-guard could not scan this commit",
    summary: `The scan stopped with an error: \`${escapeMarkdown(message)}\`. Re-run the check to try again.`,
    annotations: [],
  };
}

function toAnnotation(finding: Finding): CheckRunAnnotation {
  const fix = finding.fix
    ? `\n\n${finding.fix.kind === "safe" ? "Fix" : "Suggestion"}: ${finding.fix.description}`
    : "";
  return {
    path: finding.file,
    start_line: finding.location.line,
    end_line: Math.max(finding.location.line, finding.location.endLine),
    annotation_level: LEVEL[finding.severity],
    title: `${finding.rule}: ${finding.name ?? finding.kind}`,
    message: truncate(`${finding.message}${fix}\n\nRule: ${finding.docsUrl}`, MAX_ANNOTATION_MESSAGE_LENGTH),
    ...(finding.fix ? { raw_details: truncate(finding.fix.diff, MAX_ANNOTATION_MESSAGE_LENGTH) } : {}),
  };
}

function findingsTable(findings: readonly Finding[]): string {
  const rows = findings.map(
    (f) =>
      `| ${SEVERITY_ICON[f.severity]} | [${f.rule}](${f.docsUrl}) | \`${escapeCode(jobName(f))}\` | \`${f.file}:${f.location.line}\` | ${escapeMarkdown(f.message)} |`,
  );
  return `| Severity | Rule | Object | Where | What goes wrong |\n|---|---|---|---|---|\n${rows.join("\n")}`;
}

function fixesSection(findings: readonly Finding[]): string {
  const blocks = findings.map((f) => {
    const label = f.fix?.kind === "safe" ? "Fix" : "Suggestion";
    return `<details><summary>${label} for <code>${escapeHtml(jobName(f))}</code> in <code>${escapeHtml(f.file)}</code></summary>\n\n${escapeMarkdown(f.fix?.description ?? "")}\n\n\`\`\`diff\n${f.fix?.diff ?? ""}\`\`\`\n</details>`;
  });
  return `### Proposed fixes\n\n${blocks.join("\n\n")}`;
}

/** How an app's paths were worked out, in the words of the apps table. */
const RESOLUTION_TEXT: Record<PathResolution, string> = {
  literal: "as written",
  evaluated: "evaluated from the repository's values",
  partial: "partly templated",
  unresolved: "unresolved",
};

function appsSection(result: ScanResult): string {
  const rows = result.apps
    .filter((app) => app.paths.length > 0)
    .map(
      (app) =>
        `| ${escapeMarkdown(app.name)} (${app.kind}) | \`${app.file}\` | ${app.paths.map((p) => `\`${p}\``).join(", ")} | ${RESOLUTION_TEXT[app.resolution ?? "literal"]} |`,
    );
  // When every manifest was assumed deployed, the scan's own note says so; any other note still shows.
  const body = result.assumedAllDeployed
    ? ""
    : rows.length > 0
      ? `| Application | Defined in | Deploys | Paths |\n|---|---|---|---|\n${rows.join("\n")}`
      : "No Application of this repository deploys from it.";
  const notes = scanNotes(result)
    .map((n) => `- ${escapeMarkdown(n)}`)
    .join("\n");
  return `### Argo CD applications\n\n${[body, notes].filter((part) => part !== "").join("\n\n")}`;
}

/** Joins sections and, past GitHub's limit, cuts at a section or line boundary with a note. */
export function fitSummary(sections: readonly string[]): string {
  const full = sections.join("\n\n");
  if (full.length <= MAX_SUMMARY_LENGTH) return full;
  const note =
    "\n\n_The summary was cut to fit GitHub's 65,535-character limit; every finding is still annotated on its line._";
  // Room for closing what the cut leaves open: a code block and a <details> (they would swallow the note).
  const closers = "\n```\n</details>";
  let cut = full.slice(0, MAX_SUMMARY_LENGTH - note.length - closers.length);
  cut = cut.slice(0, Math.max(0, cut.lastIndexOf("\n")));
  if ((cut.match(/```/g)?.length ?? 0) % 2 === 1) cut += "\n```";
  if ((cut.match(/<details>/g)?.length ?? 0) > (cut.match(/<\/details>/g)?.length ?? 0))
    cut += "\n</details>";
  return cut + note;
}

function describeCounts(counts: Record<Severity, number>): string {
  const parts: string[] = [];
  if (counts.error > 0) parts.push(`${counts.error} error${counts.error === 1 ? "" : "s"}`);
  if (counts.warning > 0) parts.push(`${counts.warning} warning${counts.warning === 1 ? "" : "s"}`);
  if (counts.info > 0) parts.push(`${counts.info} info`);
  return parts.join(", ");
}

export function jobName(f: Finding): string {
  return `${f.kind} ${f.namespace ? `${f.namespace}/` : ""}${f.name ?? "(unnamed)"}`;
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

export function escapeMarkdown(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
}

export function escapeCode(text: string): string {
  return text.replace(/`/g, "'");
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}
