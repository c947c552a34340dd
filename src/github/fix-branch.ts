import type { ProbotOctokit } from "probot";
import { messageOf, statusOf } from "./errors.js";
import type { RepoRef } from "./repo-source.js";

type Octokit = InstanceType<typeof ProbotOctokit>;

/** The only branches the app ever writes: one per base branch, `argocd-job-guard/<base>`. */
export const FIX_BRANCH_PREFIX = "argocd-job-guard/";

export function fixBranchFor(baseBranch: string): string {
  return `${FIX_BRANCH_PREFIX}${baseBranch}`;
}

export interface FileContent {
  path: string;
  /** The whole new text; sent as the base64 of its UTF-8 bytes, so CRLF, a BOM or a missing last newline stay. */
  text: string;
}

export interface OpenPullRequest {
  number: number;
  body: string | null;
  htmlUrl: string;
}

/** A pull request from the app's branch, open or closed. */
export interface FixPullRequest extends OpenPullRequest {
  open: boolean;
  merged: boolean;
}

/**
 * How many of a fix branch's pull requests are read, newest first: enough to hold every recent decline, one call.
 * A branch gets a new pull request only when the previous one was closed, so older ones are long settled.
 */
const FIX_PULL_REQUEST_HISTORY = 30;

/** A repository rule (or branch protection) refused to force-update the app's branch. */
export class ForceUpdateRefusedError extends Error {
  constructor(branch: string, cause: unknown) {
    super(`a repository rule refuses to force-update ${branch}: ${messageOf(cause).trim()}`, { cause });
    this.name = "ForceUpdateRefusedError";
  }
}

/** GitHub's 422 messages that mean "someone (perhaps another replica) got there first": re-read and converge. */
const REF_EXISTS = /Reference already exists/i;
const REF_MISSING = /Reference does not exist/i;
const PR_EXISTS = /A pull request already exists/i;
/** What GitHub answers when a ruleset or a protected branch refuses a forced ref update. */
const FORCE_REFUSED =
  /Repository rule violations|GH013|GH006|protected branch|force.?push|Reference update failed/i;

/**
 * Every write of the fix pull request: a commit made with the Git Data API (so GitHub signs it for the app when
 * no author or committer is given), the app's branch pointing at it, and the pull request. Never writes outside
 * `argocd-job-guard/*`.
 */
export class FixBranchWriter {
  constructor(
    private readonly octokit: Octokit,
    readonly ref: RepoRef,
  ) {}

  /** Whether a user may push to the repository (write, maintain or admin): only they may ask for a fix PR. */
  async canWrite(login: string): Promise<boolean> {
    const { data } = await this.octokit.rest.repos.getCollaboratorPermissionLevel({
      ...this.ref,
      username: login,
    });
    return data.permission === "admin" || data.permission === "write";
  }

  /** The commit a branch points at, or null when there is no such branch. */
  async branchHead(branch: string): Promise<string | null> {
    try {
      const { data } = await this.octokit.rest.git.getRef({ ...this.ref, ref: `heads/${branch}` });
      return data.object.sha;
    } catch (error) {
      if (statusOf(error) === 404) return null;
      throw error;
    }
  }

  /** A commit's tree and parents. */
  async commit(sha: string): Promise<{ tree: string; parents: string[] }> {
    const { data } = await this.octokit.rest.git.getCommit({ ...this.ref, commit_sha: sha });
    return { tree: data.tree.sha, parents: data.parents.map((parent) => parent.sha) };
  }

  /**
   * The tree of `baseSha` with the given files replaced: blobs of the exact bytes, each file's mode copied from
   * the base tree, only the changed paths listed over `base_tree`.
   */
  async treeWith(baseSha: string, files: readonly FileContent[]): Promise<string> {
    const base = await this.commit(baseSha);
    const { data: baseTree } = await this.octokit.rest.git.getTree({
      ...this.ref,
      tree_sha: base.tree,
      recursive: "true",
    });
    const modes = new Map(baseTree.tree.map((entry) => [entry.path, entry.mode]));
    const entries = [];
    for (const file of files) {
      const { data: blob } = await this.octokit.rest.git.createBlob({
        ...this.ref,
        content: Buffer.from(file.text, "utf8").toString("base64"),
        encoding: "base64",
      });
      const mode = modes.get(file.path) === "100755" ? "100755" : "100644";
      entries.push({ path: file.path, mode, type: "blob", sha: blob.sha } as const);
    }
    const { data: tree } = await this.octokit.rest.git.createTree({
      ...this.ref,
      base_tree: base.tree,
      tree: entries,
    });
    return tree.sha;
  }

  /** One commit on `parent`; no author or committer, so that GitHub.com signs it as the app. */
  async createCommit(parent: string, tree: string, message: string): Promise<string> {
    const { data } = await this.octokit.rest.git.createCommit({
      ...this.ref,
      message,
      tree,
      parents: [parent],
    });
    return data.sha;
  }

  /**
   * Points the app's branch at `sha`, creating it or moving it (forced: the branch holds exactly one commit on its
   * base, rebuilt each time). The caller has checked that nobody else committed to it.
   */
  async pointBranch(branch: string, sha: string, exists: boolean): Promise<void> {
    if (!branch.startsWith(FIX_BRANCH_PREFIX))
      throw new Error(`refusing to write ${branch}: not a fix branch`);
    const create = () => this.octokit.rest.git.createRef({ ...this.ref, ref: `refs/heads/${branch}`, sha });
    const update = () =>
      this.octokit.rest.git.updateRef({ ...this.ref, ref: `heads/${branch}`, sha, force: true });
    try {
      await (exists ? update() : create()).catch(async (error: unknown) => {
        if (!exists && REF_EXISTS.test(messageOf(error))) await update();
        else if (exists && REF_MISSING.test(messageOf(error))) await create();
        else throw error;
      });
    } catch (error) {
      const status = statusOf(error);
      if ((status === 422 || status === 403) && FORCE_REFUSED.test(messageOf(error)))
        throw new ForceUpdateRefusedError(branch, error);
      throw error;
    }
  }

  /**
   * Deletes the app's branch and creates it again at `sha`: for a repository whose rules refuse force updates but
   * let the app delete and create its own branch. Deleting it closes the pull requests from it.
   */
  async recreateBranch(branch: string, sha: string): Promise<void> {
    if (!branch.startsWith(FIX_BRANCH_PREFIX))
      throw new Error(`refusing to write ${branch}: not a fix branch`);
    await this.deleteBranch(branch);
    await this.pointBranch(branch, sha, false);
  }

  /** The pull requests from the app's branch, newest first: the open one (at most one) and the closed ones. */
  async fixPullRequests(branch: string): Promise<FixPullRequest[]> {
    const { data } = await this.octokit.rest.pulls.list({
      ...this.ref,
      head: `${this.ref.owner}:${branch}`,
      state: "all",
      sort: "created",
      direction: "desc",
      per_page: FIX_PULL_REQUEST_HISTORY,
    });
    return data.map((pull) => ({
      number: pull.number,
      body: pull.body,
      htmlUrl: pull.html_url,
      open: pull.state === "open",
      merged: pull.merged_at !== null,
    }));
  }

  /** Replaces a pull request's body (the app edits only its hidden record there). */
  async editBody(pull: OpenPullRequest, body: string): Promise<void> {
    await this.octokit.rest.pulls.update({ ...this.ref, pull_number: pull.number, body });
  }

  async comment(pull: OpenPullRequest, body: string): Promise<void> {
    await this.octokit.rest.issues.createComment({ ...this.ref, issue_number: pull.number, body });
  }

  async close(pull: OpenPullRequest): Promise<void> {
    await this.octokit.rest.pulls.update({ ...this.ref, pull_number: pull.number, state: "closed" });
  }

  /** The open pull request from the app's branch, if any. */
  async openPullRequest(branch: string): Promise<OpenPullRequest | null> {
    const { data } = await this.octokit.rest.pulls.list({
      ...this.ref,
      head: `${this.ref.owner}:${branch}`,
      state: "open",
      per_page: 1,
    });
    const pull = data[0];
    return pull ? { number: pull.number, body: pull.body, htmlUrl: pull.html_url } : null;
  }

  /** Opens the pull request, or, when one exists already (another delivery got there first), updates it. */
  async openOrUpdate(
    branch: string,
    baseBranch: string,
    text: { title: string; body: string },
    existing: OpenPullRequest | null,
  ): Promise<OpenPullRequest> {
    if (existing) return this.update(existing, text);
    try {
      const { data } = await this.octokit.rest.pulls.create({
        ...this.ref,
        head: branch,
        base: baseBranch,
        title: text.title,
        body: text.body,
        maintainer_can_modify: true,
      });
      return { number: data.number, body: data.body, htmlUrl: data.html_url };
    } catch (error) {
      if (!PR_EXISTS.test(messageOf(error))) throw error;
      const raced = await this.openPullRequest(branch);
      if (!raced) throw error;
      return this.update(raced, text);
    }
  }

  /**
   * Closes a fix pull request whose fixes are all on its base now, saying why, and deletes its branch. The branch
   * is deleted rather than reset to the base: a pull request whose head equals its base is closed by GitHub for
   * good.
   */
  async closeAsFixed(pull: OpenPullRequest, branch: string, reason: string): Promise<void> {
    if (!branch.startsWith(FIX_BRANCH_PREFIX))
      throw new Error(`refusing to delete ${branch}: not a fix branch`);
    await this.comment(pull, reason);
    await this.close(pull);
    await this.deleteBranch(branch);
  }

  private async deleteBranch(branch: string): Promise<void> {
    if (!branch.startsWith(FIX_BRANCH_PREFIX))
      throw new Error(`refusing to delete ${branch}: not a fix branch`);
    try {
      await this.octokit.rest.git.deleteRef({ ...this.ref, ref: `heads/${branch}` });
    } catch (error) {
      // Another delivery deleted it first.
      if (!REF_MISSING.test(messageOf(error)) && statusOf(error) !== 404) throw error;
    }
  }

  private async update(
    pull: OpenPullRequest,
    text: { title: string; body: string },
  ): Promise<OpenPullRequest> {
    const { data } = await this.octokit.rest.pulls.update({
      ...this.ref,
      pull_number: pull.number,
      title: text.title,
      body: text.body,
    });
    return { number: data.number, body: data.body, htmlUrl: data.html_url };
  }
}
