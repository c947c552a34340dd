import type { Context } from "probot";
import type { Config } from "../config/schema.js";
import type { FileFix } from "../engine/scan.js";
import { statusOf } from "../github/errors.js";
import { FixBranchWriter } from "../github/fix-branch.js";
import { PullRequestBranch } from "../github/pull-request-branch.js";
import { RepoSource, type RepoRef } from "../github/repo-source.js";
import { ReviewPublisher } from "../github/review-publisher.js";
import { MAX_COMMENT_LENGTH } from "../render/github-limits.js";
import { COMMANDS_HELP } from "../render/summary-comment.js";
import { loadRepoConfig } from "./load-config.js";
import { IssueCommentPayload, parsePayload } from "./payloads.js";
import { readCommit } from "./read-commit.js";
import { isManifest } from "./scan-commit.js";
import type { Scanner } from "./scanner.js";

type Octokit = Context["octokit"];

export const COMMAND = "/argocd-job-guard";

/** A push that races ours makes GitHub refuse the update; the branch is read again and the fix redone this often. */
export const FIX_COMMIT_ATTEMPTS = 3;

/** GitHub refuses changes under .github/workflows/ to apps without the workflows permission. */
const WORKFLOWS = /^\.github\/workflows\//;

export type Command = { name: "fix" } | { name: "help" } | { name: "unknown"; word: string };

/**
 * The command of a comment: its first line that starts with `/argocd-job-guard`, or null when there is none (most
 * comments). Only whole words count: `/argocd-job-guardian` is not a command.
 * @example parseCommand("Thanks!\n/argocd-job-guard fix") // { name: "fix" }
 */
export function parseCommand(body: string): Command | null {
  for (const line of body.split("\n")) {
    const words = line.trim().split(/\s+/);
    if (words[0] !== COMMAND) continue;
    const word = (words[1] ?? "help").toLowerCase();
    return word === "fix" || word === "help" ? { name: word } : { name: "unknown", word };
  }
  return null;
}

/**
 * `/argocd-job-guard fix` and `/argocd-job-guard help` in a pull request comment. The comment gets a 👀 reaction;
 * `fix`, from someone with write access (asked of the permission API: the payload's author_association is not
 * reliable), commits every safe fix of the pull request's changed manifests onto its branch (one commit on the head
 * just read, never forced) or, for a pull request from a fork, answers with the patch. Comments by bots, edits and
 * comments on issues are ignored.
 */
export async function onIssueComment(
  context: Context<"issue_comment.created">,
  scanner: Scanner,
): Promise<void> {
  const payload = parsePayload(IssueCommentPayload, context.payload, "issue_comment");
  if (payload.action !== "created" || !payload.issue.pull_request) return;
  if (payload.comment.user.type === "Bot") return;
  const command = parseCommand(payload.comment.body ?? "");
  if (command === null) return;
  const ref = context.repo();
  const { octokit } = context;
  const number = payload.issue.number;
  const login = payload.comment.user.login;
  const reply = async (body: string) => {
    await octokit.rest.issues.createComment({ ...ref, issue_number: number, body });
  };
  await octokit.rest.reactions.createForIssueComment({
    ...ref,
    comment_id: payload.comment.id,
    content: "eyes",
  });
  if (command.name !== "fix") {
    const unknown = command.name === "unknown" ? `\`${command.word.slice(0, 40)}\` is not a command. ` : "";
    await reply(
      `${unknown}argocd-job-guard understands, in a comment on a pull request:\n\n${COMMANDS_HELP}`,
    );
    return;
  }
  if (!(await mayWrite(octokit, ref, login))) {
    await reply(
      `@${login}, thank you, but only people with write access to this repository can ask the app to commit to a pull request. A maintainer can, or you can commit the review's suggestions yourself.`,
    );
    return;
  }
  const loaded = await loadRepoConfig(context);
  if (!loaded.ok) {
    await reply(
      "The configuration `.github/argocd-job-guard.yml` could not be read (the check run says why): nothing was committed.",
    );
    return;
  }
  const { data: pull } = await octokit.rest.pulls.get({ ...ref, pull_number: number });
  if (pull.state !== "open") {
    await reply("This pull request is closed: nothing was committed.");
    return;
  }
  const fixer = new PullRequestFixer(
    octokit,
    ref,
    number,
    pull.base.sha,
    loaded.config,
    scanner,
    payload.repository.html_url,
  );
  const sameRepository = pull.head.repo?.full_name === pull.base.repo.full_name;
  await reply(
    sameRepository
      ? await fixer.commitOnto(pull.head.ref, pull.head.sha, login)
      : await fixer.patchFor(pull.head.sha),
  );
}

/** Whether a user may push to the repository; someone the API does not know as a collaborator may not. */
async function mayWrite(octokit: Octokit, ref: RepoRef, login: string): Promise<boolean> {
  try {
    return await new FixBranchWriter(octokit, ref).canWrite(login);
  } catch (error) {
    if (statusOf(error) === 404) return false;
    throw error;
  }
}

class PullRequestFixer {
  constructor(
    private readonly octokit: Octokit,
    private readonly ref: RepoRef,
    private readonly number: number,
    private readonly baseSha: string,
    private readonly config: Config,
    private readonly scanner: Scanner,
    private readonly repoUrl: string,
  ) {}

  /** What `scan --fix` changes in the manifests the pull request changes, at `headSha`. */
  async fixes(headSha: string): Promise<{ committable: FileFix[]; workflows: string[] }> {
    const diff = await new ReviewPublisher(this.octokit, this.ref, this.number).diff(this.baseSha, headSha);
    const changed = diff.files.filter((f) => f.status !== "removed" && isManifest(f.path)).map((f) => f.path);
    if (changed.length === 0) return { committable: [], workflows: [] };
    const source = new RepoSource(this.octokit, this.ref);
    const { snapshot } = await readCommit(source, headSha, this.config, changed);
    const { fixes } = await this.scanner.fix({
      ...snapshot,
      repoUrl: this.repoUrl,
      config: this.config,
      targets: changed,
    });
    return {
      committable: fixes.filter((f) => !WORKFLOWS.test(f.path)),
      workflows: fixes.filter((f) => WORKFLOWS.test(f.path)).map((f) => f.path),
    };
  }

  /**
   * One commit with the fixes on the branch's head, the branch moved to it without force. When someone pushed in
   * between, GitHub refuses ("not a fast forward"): the head is read again and the fixes made on it.
   */
  async commitOnto(branchName: string, headSha: string, requestedBy: string): Promise<string> {
    const branch = new PullRequestBranch(this.octokit, this.ref, branchName);
    const writer = new FixBranchWriter(this.octokit, this.ref);
    let head = headSha;
    for (let attempt = 0; attempt < FIX_COMMIT_ATTEMPTS; attempt++) {
      const { committable, workflows } = await this.fixes(head);
      if (committable.length === 0) return nothingToFix(head, workflows);
      const tree = await writer.treeWith(
        head,
        committable.map((fix) => ({ path: fix.path, text: fix.after })),
      );
      const jobs = jobCount(committable);
      const commit = await writer.createCommit(
        head,
        tree,
        `Fix ${jobs} Argo CD Job${jobs === 1 ? "" : "s"} that would fail to sync\n\nThe safe fixes of argocd-job-guard (what \`scan --fix\` gives), asked for by @${requestedBy}.`,
      );
      if (await branch.fastForward(commit)) {
        return `Committed ${commit} onto \`${branchName}\`: the safe fixes of ${jobs} Job${jobs === 1 ? "" : "s"} in ${committable.length} file${committable.length === 1 ? "" : "s"}.${workflowNote(workflows)}`;
      }
      head = await branch.head();
    }
    return `\`${branchName}\` kept moving while the app was committing (${FIX_COMMIT_ATTEMPTS} tries): nothing was committed. Ask again once the pushes are done.`;
  }

  /** A pull request from a fork: the app does not push there; the answer is the patch and how to apply it. */
  async patchFor(headSha: string): Promise<string> {
    const { committable, workflows } = await this.fixes(headSha);
    if (committable.length === 0) return nothingToFix(headSha, workflows);
    const patch = committable.map((fix) => fix.diff).join("");
    const fence = "`".repeat(Math.max(3, ...(patch.match(/`+/g) ?? []).map((run) => run.length + 1)));
    const text = `This pull request comes from a fork, where the app does not push. Save this patch as \`argocd-job-guard.patch\` at the root of your clone and run \`git apply argocd-job-guard.patch\` (or run \`argocd-job-guard scan --fix\`), then commit and push:\n\n${fence}diff\n${patch}${fence}${workflowNote(workflows)}`;
    return text.length <= MAX_COMMENT_LENGTH
      ? text
      : `This pull request comes from a fork, where the app does not push, and its patch is too long for a comment: run \`argocd-job-guard scan --fix\` on your branch, then commit and push.`;
  }
}

function nothingToFix(headSha: string, workflows: readonly string[]): string {
  return workflows.length > 0
    ? `The only safe fixes at ${headSha.slice(0, 7)} are in workflow files, which apps may not change: ${workflows.map((p) => `\`${p}\``).join(", ")}. Apply them by hand (the check run shows each diff).`
    : `Nothing to fix at ${headSha.slice(0, 7)}: no safe fix in the manifests this pull request changes.`;
}

function workflowNote(workflows: readonly string[]): string {
  return workflows.length > 0
    ? `\n\nNot included (apps may not change workflow files): ${workflows.map((p) => `\`${p}\``).join(", ")}.`
    : "";
}

function jobCount(fixes: readonly FileFix[]): number {
  return new Set(
    fixes.flatMap((fix) => fix.resolved.map((f) => `${f.file}:${f.namespace ?? ""}/${f.name ?? ""}`)),
  ).size;
}
