import type { ProbotOctokit } from "probot";
import { messageOf } from "./errors.js";
import type { RepoRef } from "./repo-source.js";

type Octokit = InstanceType<typeof ProbotOctokit>;

/** GitHub's 422 when the branch moved since it was read: someone pushed in between. */
const NOT_FAST_FORWARD = /not a fast forward/i;

/**
 * A pull request's branch, written only when someone with write access asks (`/argocd-job-guard fix`): the branch
 * moves to a commit whose parent is the head just read, never forced, so no one's commit is ever lost.
 */
export class PullRequestBranch {
  constructor(
    private readonly octokit: Octokit,
    private readonly ref: RepoRef,
    private readonly branch: string,
  ) {}

  /** The branch's head now. */
  async head(): Promise<string> {
    const { data } = await this.octokit.rest.git.getRef({ ...this.ref, ref: `heads/${this.branch}` });
    return data.object.sha;
  }

  /**
   * Moves the branch to `sha`, a child of its head as read: true when done, false when the branch moved in
   * between (GitHub's 422 "Update is not a fast forward"), for the caller to read it again and redo.
   */
  async fastForward(sha: string): Promise<boolean> {
    try {
      await this.octokit.rest.git.updateRef({ ...this.ref, ref: `heads/${this.branch}`, sha, force: false });
      return true;
    } catch (error) {
      if (NOT_FAST_FORWARD.test(messageOf(error))) return false;
      throw error;
    }
  }
}
