import type { ProbotOctokit } from "probot";
import type { CheckRunReport } from "../render/check-run.js";
import {
  CHECK_RUN_NAME,
  MAX_ACTION_DESCRIPTION_LENGTH,
  MAX_ACTION_IDENTIFIER_LENGTH,
  MAX_ACTION_LABEL_LENGTH,
  MAX_ACTIONS,
  MAX_ANNOTATIONS_PER_REQUEST,
  MAX_SUMMARY_LENGTH,
} from "../render/github-limits.js";
import type { RepoRef } from "./repo-source.js";

type Octokit = InstanceType<typeof ProbotOctokit>;

/**
 * A button on the check run. None is published yet: a button must never do nothing when clicked, so one is added
 * only together with its `requested_action` handler.
 */
export interface CheckRunAction {
  label: string;
  description: string;
  identifier: string;
}

/**
 * Publishes a report as one completed check run on a commit, for reports known before any work (no manifest
 * changed, an invalid configuration). GitHub takes at most 50 annotations per request, so the first 50 go with the
 * creation and the rest follow in updates of 50.
 */
export async function publishCheckRun(
  octokit: Octokit,
  ref: RepoRef,
  headSha: string,
  report: CheckRunReport,
  actions: readonly CheckRunAction[] = [],
): Promise<number> {
  const [first = [], ...rest] = annotationBatches(report);
  const { data } = await octokit.rest.checks.create({
    ...ref,
    name: CHECK_RUN_NAME,
    head_sha: headSha,
    ...completion(report, first, actions),
  });
  await appendAnnotations(octokit, ref, data.id, report, rest);
  return data.id;
}

/** Creates the commit's check run "in progress", before a scan: the user sees that the commit is being checked. */
export async function startCheckRun(octokit: Octokit, ref: RepoRef, headSha: string): Promise<number> {
  const { data } = await octokit.rest.checks.create({
    ...ref,
    name: CHECK_RUN_NAME,
    head_sha: headSha,
    status: "in_progress",
    output: { title: "Scanning the commit", summary: "Reading the commit and checking its Jobs." },
  });
  return data.id;
}

/** Completes a check run started by startCheckRun with its report, annotations in batches of 50. */
export async function completeCheckRun(
  octokit: Octokit,
  ref: RepoRef,
  checkRunId: number,
  report: CheckRunReport,
  actions: readonly CheckRunAction[] = [],
): Promise<void> {
  const [first = [], ...rest] = annotationBatches(report);
  await octokit.rest.checks.update({
    ...ref,
    check_run_id: checkRunId,
    ...completion(report, first, actions),
  });
  await appendAnnotations(octokit, ref, checkRunId, report, rest);
}

/** What completes a check run, on creation or update: the conclusion, the first 50 annotations, the buttons. */
function completion(
  report: CheckRunReport,
  annotations: CheckRunReport["annotations"],
  actions: readonly CheckRunAction[],
) {
  assertValidActions(actions);
  return {
    status: "completed" as const,
    conclusion: report.conclusion,
    output: output(report, annotations),
    ...(actions.length > 0 ? { actions: [...actions] } : {}),
  };
}

/** GitHub takes 50 annotations per request: the rest follow in updates, which append. */
async function appendAnnotations(
  octokit: Octokit,
  ref: RepoRef,
  checkRunId: number,
  report: CheckRunReport,
  batches: readonly CheckRunReport["annotations"][],
): Promise<void> {
  for (const batch of batches) {
    await octokit.rest.checks.update({ ...ref, check_run_id: checkRunId, output: output(report, batch) });
  }
}

/**
 * Adds a line at the top of a completed check run's summary (the answer to a button press), keeping its title,
 * conclusion and annotations.
 */
export async function noteOnCheckRun(
  octokit: Octokit,
  ref: RepoRef,
  checkRunId: number,
  output: { title: string; summary: string },
  note: string,
): Promise<void> {
  // A second press replaces the first answer instead of stacking them.
  const previous = output.summary.replace(/^> [^\n]*\n\n/, "");
  const summary = `> ${note.replace(/\n/g, " ")}\n\n${previous}`.slice(0, MAX_SUMMARY_LENGTH);
  await octokit.rest.checks.update({
    ...ref,
    check_run_id: checkRunId,
    output: { title: output.title, summary },
  });
}

function annotationBatches(report: CheckRunReport): CheckRunReport["annotations"][] {
  const batches: CheckRunReport["annotations"][] = [];
  for (let i = 0; i < report.annotations.length; i += MAX_ANNOTATIONS_PER_REQUEST) {
    batches.push(report.annotations.slice(i, i + MAX_ANNOTATIONS_PER_REQUEST));
  }
  return batches;
}

function output(report: CheckRunReport, annotations: CheckRunReport["annotations"]) {
  return {
    title: report.title,
    summary: report.summary,
    ...(annotations.length > 0 ? { annotations } : {}),
  };
}

/** GitHub answers 422 past these limits; failing here names the action that broke them. */
export function assertValidActions(actions: readonly CheckRunAction[]): void {
  if (actions.length > MAX_ACTIONS) throw new Error(`a check run takes at most ${MAX_ACTIONS} actions`);
  for (const action of actions) {
    if (action.label.length > MAX_ACTION_LABEL_LENGTH)
      throw new Error(`action label "${action.label}" is over ${MAX_ACTION_LABEL_LENGTH} characters`);
    if (action.description.length > MAX_ACTION_DESCRIPTION_LENGTH)
      throw new Error(
        `action description "${action.description}" is over ${MAX_ACTION_DESCRIPTION_LENGTH} characters`,
      );
    if (action.identifier.length > MAX_ACTION_IDENTIFIER_LENGTH)
      throw new Error(
        `action identifier "${action.identifier}" is over ${MAX_ACTION_IDENTIFIER_LENGTH} characters`,
      );
  }
}
