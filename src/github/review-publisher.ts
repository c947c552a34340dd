import type { ProbotOctokit } from "probot";
import { MAX_COMPARE_FILES } from "../render/github-limits.js";
import { SUMMARY_MARKER } from "../render/summary-comment.js";
import { statusOf } from "./errors.js";
import type { ChangedFile, RepoRef } from "./repo-source.js";

type Octokit = InstanceType<typeof ProbotOctokit>;

/** What a pull request changes, as its "Files changed" tab shows it: against the merge base, not the base tip. */
export interface PullRequestDiff {
  mergeBase: string;
  files: ChangedFile[];
  /** Each file's patch (hunks only); absent for a file GitHub shows no diff of (too large, binary). */
  patches: Map<string, string>;
  complete: boolean;
}

/** A line comment to send with the review (new side of the diff). */
export interface ReviewCommentInput {
  path: string;
  line: number;
  startLine: number | null;
  body: string;
}

/** A review comment of the app already on the pull request. */
export interface PostedComment {
  id: number;
  nodeId: string;
  body: string;
}

/** GitHub's answer when a review cannot be posted; the caller says it on the check run. */
export class ReviewRefusedError extends Error {}

const GRAPHQL_THREADS = `query($owner: String!, $repo: String!, $number: Int!, $cursor: String) {
  repository(owner: $owner, name: $repo) {
    pullRequest(number: $number) {
      reviewThreads(first: 100, after: $cursor) {
        pageInfo { hasNextPage endCursor }
        nodes { id isResolved comments(first: 1) { nodes { databaseId } } }
      }
    }
  }
}`;

const GRAPHQL_RESOLVE = `mutation($threadId: ID!) {
  resolveReviewThread(input: { threadId: $threadId }) { thread { id isResolved } }
}`;

interface ThreadsAnswer {
  repository: {
    pullRequest: {
      reviewThreads: {
        pageInfo: { hasNextPage: boolean; endCursor: string | null };
        nodes: { id: string; isResolved: boolean; comments: { nodes: { databaseId: number | null }[] } }[];
      };
    } | null;
  } | null;
}

/**
 * Every write of a pull request review: the review with its line comments, the resolution of the app's own threads
 * once their findings are fixed, and the one summary comment. Reads what the app said before from its hidden
 * markers, so a delivery handled twice says nothing twice.
 */
export class ReviewPublisher {
  constructor(
    private readonly octokit: Octokit,
    private readonly ref: RepoRef,
    private readonly pullNumber: number,
  ) {}

  /** The pull request's changes against the merge base of its base and head, with each file's hunks: one call. */
  async diff(baseSha: string, headSha: string): Promise<PullRequestDiff> {
    const { data } = await this.octokit.rest.repos.compareCommitsWithBasehead({
      ...this.ref,
      basehead: `${baseSha}...${headSha}`,
    });
    const patches = new Map<string, string>();
    const files: ChangedFile[] = (data.files ?? []).map((file) => {
      if (file.patch) patches.set(file.filename, file.patch);
      return {
        path: file.filename,
        status:
          file.status === "removed" || file.status === "renamed" || file.status === "added"
            ? file.status
            : "modified",
        ...(file.previous_filename ? { previousPath: file.previous_filename } : {}),
      };
    });
    return {
      mergeBase: data.merge_base_commit.sha,
      files,
      patches,
      complete: files.length < MAX_COMPARE_FILES,
    };
  }

  /** The app's review comments on the pull request: those carrying its marker, written by a bot. */
  async postedComments(isOurs: (body: string) => boolean): Promise<PostedComment[]> {
    const comments = await this.octokit.paginate(this.octokit.rest.pulls.listReviewComments, {
      ...this.ref,
      pull_number: this.pullNumber,
      per_page: 100,
    });
    return comments
      .filter((c) => c.user?.type === "Bot" && isOurs(c.body))
      .map((c) => ({ id: c.id, nodeId: c.node_id, body: c.body }));
  }

  /**
   * One `COMMENT` review on the head commit (never `REQUEST_CHANGES`, which blocks merging until the app approves).
   * GitHub takes the review whole or not at all: a 422 becomes a ReviewRefusedError with GitHub's words.
   */
  async review(headSha: string, body: string, comments: readonly ReviewCommentInput[]): Promise<void> {
    try {
      await this.octokit.rest.pulls.createReview({
        ...this.ref,
        pull_number: this.pullNumber,
        commit_id: headSha,
        event: "COMMENT",
        body,
        comments: comments.map((c) => ({
          path: c.path,
          line: c.line,
          side: "RIGHT" as const,
          ...(c.startLine !== null ? { start_line: c.startLine, start_side: "RIGHT" as const } : {}),
          body: c.body,
        })),
      });
    } catch (error) {
      if (statusOf(error) === 422) throw new ReviewRefusedError(refusalReason(error));
      throw error;
    }
  }

  /**
   * Resolves the threads the given comments started. Thread resolution exists only in GraphQL (and needs the
   * contents permission); where GraphQL does not answer or refuses, each comment is edited to say it is fixed.
   * Returns how it was done.
   */
  async resolve(
    comments: readonly PostedComment[],
    fixedBody: (body: string) => string,
  ): Promise<"graphql" | "rest"> {
    if (comments.length === 0) return "graphql";
    try {
      const threads = await this.threadsByComment();
      for (const comment of comments) {
        const thread = threads.get(comment.id);
        if (thread && !thread.isResolved)
          await this.octokit.graphql(GRAPHQL_RESOLVE, { threadId: thread.id });
      }
      return "graphql";
    } catch {
      for (const comment of comments) {
        await this.octokit.rest.pulls.updateReviewComment({
          ...this.ref,
          comment_id: comment.id,
          body: fixedBody(comment.body),
        });
      }
      return "rest";
    }
  }

  /**
   * Creates the summary comment, or edits it when its text changed; found again by its marker among the bot
   * comments. With `createIfMissing` false, a pull request that never had one gets none.
   */
  async upsertSummary(
    body: string,
    createIfMissing: boolean,
  ): Promise<"created" | "updated" | "unchanged" | "none"> {
    const comments = await this.octokit.paginate(this.octokit.rest.issues.listComments, {
      ...this.ref,
      issue_number: this.pullNumber,
      per_page: 100,
    });
    const existing = comments.find(
      (c) => c.user?.type === "Bot" && (c.body ?? "").startsWith(SUMMARY_MARKER),
    );
    if (existing) {
      if (existing.body === body) return "unchanged";
      await this.octokit.rest.issues.updateComment({ ...this.ref, comment_id: existing.id, body });
      return "updated";
    }
    if (!createIfMissing) return "none";
    await this.octokit.rest.issues.createComment({ ...this.ref, issue_number: this.pullNumber, body });
    return "created";
  }

  private async threadsByComment(): Promise<Map<number, { id: string; isResolved: boolean }>> {
    const threads = new Map<number, { id: string; isResolved: boolean }>();
    let cursor: string | null = null;
    do {
      const answer: ThreadsAnswer = await this.octokit.graphql<ThreadsAnswer>(GRAPHQL_THREADS, {
        owner: this.ref.owner,
        repo: this.ref.repo,
        number: this.pullNumber,
        cursor,
      });
      const page = answer.repository?.pullRequest?.reviewThreads;
      if (!page) throw new Error("GraphQL gave no review threads");
      for (const node of page.nodes) {
        const first = node.comments.nodes[0]?.databaseId;
        if (typeof first === "number") threads.set(first, { id: node.id, isResolved: node.isResolved });
      }
      cursor = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
    } while (cursor !== null);
    return threads;
  }
}

/**
 * A refused review's reason: GitHub puts it in `errors` as plain strings ("Pull request review thread line must be
 * part of the diff…"), which the shared messageOf (made for `errors[].message`) leaves out.
 */
function refusalReason(error: unknown): string {
  const data = (error as { response?: { data?: { message?: string; errors?: unknown[] } } })?.response?.data;
  const details = (data?.errors ?? []).map((e) =>
    typeof e === "string" ? e : ((e as { message?: string } | null)?.message ?? JSON.stringify(e)),
  );
  return [data?.message ?? (error instanceof Error ? error.message : String(error)), ...details].join(": ");
}
