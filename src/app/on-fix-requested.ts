import type { Context } from "probot";
import { noteOnCheckRun } from "../github/check-run-publisher.js";
import { FIX_BRANCH_PREFIX, FixBranchWriter } from "../github/fix-branch.js";
import { RepoSource } from "../github/repo-source.js";
import { CHECK_RUN_NAME } from "../render/github-limits.js";
import { loadRepoConfig } from "./load-config.js";
import { FixRequestPayload, parsePayload } from "./payloads.js";
import { proposeFixes } from "./propose-fixes.js";
import { readCommit } from "./read-commit.js";
import type { Scanner } from "./scanner.js";

/** The check run's button: its identifier, and what it says. */
export const FIX_PR_ACTION = {
  label: "Open fix PR",
  description: "Commit the safe fixes to a pull request",
  identifier: "open-fix-pr",
} as const;

/** The same button when the branch's fix pull request is open already. */
export const UPDATE_FIX_PR_ACTION = {
  label: "Update fix PR",
  description: "Bring the fix pull request up to date",
  identifier: FIX_PR_ACTION.identifier,
} as const;

/**
 * "Open fix PR" on a check run: one commit with every safe fix of the branch (what `scan --fix` gives on its
 * current head) on `argocd-job-guard/<branch>`, and one pull request from it, opened or updated. Only someone who
 * may push to the repository can ask; every outcome, a refusal included, is said on the check run.
 */
export async function onFixRequested(
  context: Context<"check_run.requested_action">,
  scanner: Scanner,
  appId: number | null,
): Promise<void> {
  const payload = parsePayload(FixRequestPayload, context.payload, "check_run");
  const { check_run: checkRun } = payload;
  if (payload.requested_action.identifier !== FIX_PR_ACTION.identifier) return;
  if (checkRun.name !== CHECK_RUN_NAME || (appId !== null && checkRun.app?.id !== appId)) return;
  const ref = context.repo();
  const say = (note: string) =>
    noteOnCheckRun(
      context.octokit,
      ref,
      checkRun.id,
      { title: checkRun.output.title ?? CHECK_RUN_NAME, summary: checkRun.output.summary ?? "" },
      note,
    );
  const writer = new FixBranchWriter(context.octokit, ref);
  const sender = payload.sender.login;
  if (!(await writer.canWrite(sender))) {
    await say(
      `@${sender} asked for a fix pull request, but only people who can push to this repository may.`,
    );
    return;
  }
  const baseBranch = checkRun.check_suite.head_branch;
  if (!baseBranch) {
    await say("This commit is on no branch of this repository (a fork?): there is no branch to fix.");
    return;
  }
  if (baseBranch.startsWith(FIX_BRANCH_PREFIX)) {
    await say("This is the app's own fix branch: fixes go to the branch it was made for.");
    return;
  }
  const loaded = await loadRepoConfig(context);
  if (!loaded.ok) {
    await say(
      "The configuration could not be read (see the check run of the latest push): no fix pull request.",
    );
    return;
  }
  if (loaded.config.report.fixPullRequest === "off") {
    await say("Fix pull requests are off in this repository (`report.fixPullRequest: off`).");
    return;
  }

  const baseSha = await writer.branchHead(baseBranch);
  if (baseSha === null) {
    await say(`The branch \`${baseBranch}\` no longer exists.`);
    return;
  }
  const source = new RepoSource(context.octokit, ref);
  const { snapshot } = await readCommit(source, baseSha, loaded.config, []);
  await say(
    await proposeFixes({
      writer,
      baseBranch,
      baseSha,
      snapshot,
      repoUrl: payload.repository.html_url,
      config: loaded.config,
      scanner,
      requestedBy: sender,
    }),
  );
}
