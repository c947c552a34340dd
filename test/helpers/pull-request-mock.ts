import { structuredPatch } from "diff";
import nock from "nock";
import { tarballOf } from "./archive.js";
import { API, INSTALLATION_ID, examplePayload, mockArchive } from "./github-mock.js";

/** The pull request the tests review: Codertocat/Hello-World#7, head `feature` onto `master`. */
export const OWNER = "Codertocat";
export const REPO = "Hello-World";
export const REPO_PATH = `/repos/${OWNER}/${REPO}`;
export const REPO_URL = `https://github.com/${OWNER}/${REPO}`;
export const PR = 7;
export const BASE_SHA = "1".repeat(40);
export const HEAD_SHA = "2".repeat(40);
export const MERGE_BASE = "3".repeat(40);
export const CHECK_RUN_ID = 42;
const CONFIG_PATH = `${REPO_PATH}/contents/.github%2Fargocd-job-guard.yml`;
const ORG_CONFIG_PATH = `/repos/${OWNER}/.github/contents/.github%2Fargocd-job-guard.yml`;

export interface PullRequestOptions {
  action?: string;
  draft?: boolean;
  /** The owner of the head repository when the pull request comes from a fork. */
  forkOwner?: string;
  headRef?: string;
  headSha?: string;
}

/** A pull_request delivery shaped as GitHub sends it (from @octokit/webhooks-examples), for the test PR. */
export function pullRequestPayload(options: PullRequestOptions = {}): Record<string, unknown> {
  const payload = examplePayload(
    "pull_request",
    (p) => p.action === "opened" && p.installation !== undefined,
  );
  const pull = payload.pull_request as { head: Record<string, unknown>; base: Record<string, unknown> };
  const repo = (owner: string) => ({ ...(pull.head.repo as object), full_name: `${owner}/${REPO}` });
  return {
    ...payload,
    action: options.action ?? "opened",
    number: PR,
    installation: { id: INSTALLATION_ID },
    pull_request: {
      ...pull,
      number: PR,
      state: "open",
      draft: options.draft ?? false,
      head: {
        ...pull.head,
        sha: options.headSha ?? HEAD_SHA,
        ref: options.headRef ?? "feature",
        repo: repo(options.forkOwner ?? OWNER),
      },
      base: { ...pull.base, sha: BASE_SHA, ref: "master", repo: repo(OWNER) },
    },
  };
}

/** A file's patch as GitHub's compare gives it: the hunks (three lines of context), without the file headers. */
export function patchOf(before: string, after: string): string {
  const patch = structuredPatch("a", "b", before, after, "", "", { context: 3 });
  return patch.hunks
    .map((h) => [`@@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@`, ...h.lines].join("\n"))
    .join("\n");
}

export interface PullRequestState {
  /** Every file of the head commit. */
  head: Record<string, string>;
  /** The merge base's text of the files the pull request changes (absent: added by it). */
  base?: Record<string, string>;
  /** The files the pull request changes. */
  changed: string[];
  config?: string | null;
  /** Review comments already on the pull request. */
  reviewComments?: Record<string, unknown>[];
  /** Issue comments already on the pull request. */
  issueComments?: Record<string, unknown>[];
  /** False when the pull request gets no review (drafts off, review off): its comments are not read. */
  reviewed?: boolean;
}

/**
 * Mocks what every review of the test PR reads: the configuration, the compare against the base (merge base,
 * files, patches), the app's earlier review comments, the head's archive, the merge base's text of modified files
 * and the issue comments; the check run is created and completed. Writes are the test's to mock.
 */
export function mockPullRequestReads(scope: nock.Scope, state: PullRequestState): void {
  if (state.config) scope.get(CONFIG_PATH).reply(200, state.config);
  else scope.get(CONFIG_PATH).reply(404).get(ORG_CONFIG_PATH).reply(404);
  const base = state.base ?? {};
  scope.get(`${REPO_PATH}/compare/${BASE_SHA}...${HEAD_SHA}`).reply(200, {
    merge_base_commit: { sha: MERGE_BASE },
    files: state.changed.map((path) => ({
      filename: path,
      status: path in base ? "modified" : "added",
      patch: patchOf(base[path] ?? "", state.head[path] ?? ""),
    })),
  });
  const reviewed = state.reviewed ?? true;
  if (reviewed)
    scope
      .get(`${REPO_PATH}/pulls/${PR}/comments`)
      .query({ per_page: "100" })
      .reply(200, state.reviewComments ?? []);
  mockArchive(scope, `${OWNER}/${REPO}`, HEAD_SHA, tarballOf(state.head));
  for (const [path, text] of Object.entries(base)) {
    if (!/\.(ya?ml|json)$/.test(path)) continue;
    scope
      .get(`${REPO_PATH}/contents/${encodeURIComponent(path)}`)
      .query({ ref: MERGE_BASE })
      .reply(200, text);
  }
  if (reviewed)
    scope
      .get(`/repos/${OWNER}/${REPO}/issues/${PR}/comments`)
      .query({ per_page: "100" })
      .reply(200, state.issueComments ?? []);
}

/** GitHub's "Commit suggestion", done by hand: lines `start_line..line` replaced by the suggestion's lines. */
export function commitSuggestions(
  text: string,
  comments: readonly { path: string; line: number; start_line?: number; body: string }[],
  path: string,
): string {
  const lines = text.split("\n");
  const suggestions = comments
    .filter((c) => c.path === path)
    .map((c) => {
      const match = /(`{3,})suggestion\n([\s\S]*?)\n\1(?:\n|$)/.exec(c.body);
      return match
        ? { start: c.start_line ?? c.line, end: c.line, lines: (match[2] ?? "").split("\n") }
        : null;
    })
    .filter((s) => s !== null)
    .sort((a, b) => b.start - a.start);
  for (const s of suggestions) lines.splice(s.start - 1, s.end - s.start + 1, ...s.lines);
  return lines.join("\n");
}

export { API };
