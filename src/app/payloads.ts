import { z } from "zod";

/**
 * The fields of each webhook payload that the handlers read, validated before use: a signed delivery with a
 * missing or mistyped field is answered 400 with one line saying which, not a 500 from a TypeError deep inside.
 */
const sha = z.string().regex(/^[0-9a-f]{40}([0-9a-f]{24})?$/, "not a commit sha");
const paths = z.array(z.string()).optional();

const repository = z.object({
  name: z.string().min(1),
  owner: z.object({ login: z.string().min(1) }),
  html_url: z.string().min(1),
  default_branch: z.string().min(1),
});

/** The pull requests of a check suite or run (same-repository ones only: GitHub leaves forks' out). */
const pullRequestNumbers = z.array(z.object({ number: z.number().int().positive() })).nullish();

const suiteCommit = z.object({ head_sha: sha, before: sha.nullish(), pull_requests: pullRequestNumbers });

export const PushPayload = z.object({
  ref: z.string().min(1),
  before: sha,
  after: sha,
  deleted: z.boolean().default(false),
  forced: z.boolean().default(false),
  commits: z.array(z.object({ added: paths, modified: paths, removed: paths })).default([]),
  repository,
});

export const CheckSuitePayload = z.object({ check_suite: suiteCommit, repository });

export const CheckRunPayload = z.object({
  check_run: z.object({
    name: z.string(),
    app: z.object({ id: z.number() }).nullish(),
    check_suite: suiteCommit,
    pull_requests: pullRequestNumbers,
  }),
  repository,
});

export const FixRequestPayload = z.object({
  requested_action: z.object({ identifier: z.string() }),
  check_run: z.object({
    id: z.number(),
    name: z.string(),
    head_sha: sha,
    app: z.object({ id: z.number() }).nullish(),
    check_suite: z.object({ head_branch: z.string().nullish() }),
    output: z.object({ title: z.string().nullish(), summary: z.string().nullish() }),
  }),
  sender: z.object({ login: z.string().min(1) }),
  repository,
});

/** `pull_request.closed` / `reopened`, as far as the app's own fix pull requests need it. */
export const FixPullRequestEventPayload = z.object({
  pull_request: z.object({
    number: z.number(),
    body: z.string().nullish(),
    html_url: z.string(),
    merged: z.boolean().nullish(),
    head: z.object({ ref: z.string(), repo: z.object({ full_name: z.string() }).nullish() }),
    base: z.object({ ref: z.string(), repo: z.object({ full_name: z.string() }) }),
  }),
  sender: z.object({ login: z.string().min(1), type: z.string().optional() }),
  repository,
});

const pullRequestSide = z.object({
  sha,
  ref: z.string().min(1),
  /** Null when the fork the pull request came from was deleted. */
  repo: z.object({ full_name: z.string().min(1) }).nullish(),
});

export const PullRequestPayload = z.object({
  action: z.string(),
  pull_request: z.object({
    number: z.number().int().positive(),
    state: z.string(),
    draft: z.boolean().default(false),
    head: pullRequestSide,
    base: pullRequestSide,
  }),
  repository,
});

export const IssueCommentPayload = z.object({
  action: z.string(),
  comment: z.object({
    id: z.number(),
    body: z.string().nullish(),
    user: z.object({ login: z.string().min(1), type: z.string().nullish() }),
  }),
  issue: z.object({
    number: z.number().int().positive(),
    pull_request: z.object({}).passthrough().nullish(),
  }),
  repository,
});

/** A delivery whose payload lacks what its handler needs; `status` makes the webhook answer 400. */
export class InvalidPayloadError extends Error {
  readonly status = 400;
}

export function parsePayload<Schema extends z.ZodType>(
  schema: Schema,
  payload: unknown,
  event: string,
): z.output<Schema> {
  const result = schema.safeParse(payload);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue && issue.path.length > 0 ? issue.path.join(".") : "payload";
  throw new InvalidPayloadError(`${event} payload: ${where}: ${issue?.message ?? "invalid"}`);
}

/** Deliveries without an installation (a marketplace or app-level event) have no repository to act on. */
export function hasInstallation(payload: unknown): boolean {
  const installation = (payload as { installation?: { id?: unknown } } | null)?.installation;
  return typeof installation?.id === "number";
}
