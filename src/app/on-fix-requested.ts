import type { Context } from "probot";
import { noteOnCheckRun } from "../github/check-run-publisher.js";
import { FIX_BRANCH_PREFIX, FixBranchWriter, fixBranchFor } from "../github/fix-branch.js";
import { RepoSource } from "../github/repo-source.js";
import { readFixPullRequestRecord, renderFixPullRequest } from "../render/fix-pull-request.js";
import { CHECK_RUN_NAME } from "../render/github-limits.js";
import { loadRepoConfig } from "./load-config.js";
import { FixRequestPayload, parsePayload } from "./payloads.js";
import { readCommit } from "./read-commit.js";
import type { Scanner } from "./scanner.js";

/** The check run's button: its identifier, and what it says. */
export const FIX_PR_ACTION = {
  label: "Open fix PR",
  description: "Commit the safe fixes to a pull request",
  identifier: "open-fix-pr",
} as const;

/** GitHub refuses changes under .github/workflows/ to apps without the workflows permission. */
const WORKFLOWS = /^\.github\/workflows\//;

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
  const { fixes } = await scanner.fix({
    ...snapshot,
    repoUrl: payload.repository.html_url,
    config: loaded.config,
  });
  const committable = fixes.filter((fix) => !WORKFLOWS.test(fix.path));
  const notCommitted = fixes.filter((fix) => WORKFLOWS.test(fix.path)).map((fix) => fix.path);
  if (committable.length === 0) {
    await say(
      notCommitted.length > 0
        ? `The only safe fixes left on \`${baseBranch}\` are in workflow files, which apps may not change: apply their diffs by hand.`
        : `No safe fix is left on \`${baseBranch}\` at ${baseSha.slice(0, 7)}: nothing to open.`,
    );
    return;
  }

  const fixBranch = fixBranchFor(baseBranch);
  const [existing, branchHead] = await Promise.all([
    writer.openPullRequest(fixBranch),
    writer.branchHead(fixBranch),
  ]);
  if (existing && branchHead !== null && readFixPullRequestRecord(existing.body)?.head !== branchHead) {
    await say(
      `Someone else has pushed to \`${fixBranch}\`: the app no longer rewrites it. Close or merge #${existing.number} to get a new fix pull request.`,
    );
    return;
  }
  const tree = await writer.treeWith(
    baseSha,
    committable.map((fix) => ({ path: fix.path, text: fix.after })),
  );
  if (existing && branchHead !== null) {
    const current = await writer.commit(branchHead);
    if (current.tree === tree && current.parents.length === 1 && current.parents[0] === baseSha) {
      await say(`Fix pull request #${existing.number} is up to date.`);
      return;
    }
  }
  const resolved = committable.flatMap((fix) => fix.resolved);
  const jobs = new Set(resolved.map((f) => `${f.file}:${f.namespace ?? ""}/${f.name ?? ""}`)).size;
  const head = await writer.createCommit(
    baseSha,
    tree,
    `Fix ${jobs} Argo CD Job${jobs === 1 ? "" : "s"} that would fail to sync\n\nThe safe fixes of argocd-job-guard on ${baseBranch} at ${baseSha}.`,
  );
  await writer.pointBranch(fixBranch, head, branchHead !== null);
  const text = renderFixPullRequest(resolved, { baseBranch, baseSha, head, notCommitted });
  const pull = await writer.openOrUpdate(fixBranch, baseBranch, text, existing);
  await say(
    `Fix pull request #${pull.number} ${existing ? "updated" : "opened"} by @${sender}: ${pull.htmlUrl}`,
  );
}
