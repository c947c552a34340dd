import { createRequire } from "node:module";
import nock from "nock";
import { Probot, ProbotOctokit, type ApplicationFunction } from "probot";
import { inProcessScanner } from "../../src/app/scanner.js";
import { generateAppKey } from "../../dev/local-github/app-process.js";
import { INSTALLATION_PERMISSIONS } from "../../dev/local-github/server.js";
import { createApp } from "../../src/index.js";

/**
 * The one strict HTTP mock for GitHub: no real network, every request must be mocked, and after each test every
 * mock must have been used (renovate's test/http-mock.ts habit).
 */
export const API = "https://api.github.com";
export const INSTALLATION_ID = 2;
export const APP_ID = 123;

/** The app as tests load it: the engine on the test's own thread (the worker pool runs compiled code from dist/). */
export const testApp = createApp({ scanner: inProcessScanner, appId: APP_ID, claims: null });

const require = createRequire(import.meta.url);
const privateKey = generateAppKey();
export const TEST_PRIVATE_KEY = privateKey;

export function setUpNock(): void {
  nock.disableNetConnect();
}

export function tearDownNock(): string[] {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  nock.enableNetConnect();
  return pending;
}

/** A Probot with our app loaded, retries and throttling off (their function form: probot/probot#2039). */
export function createTestProbot(app: ApplicationFunction = testApp): Probot {
  const probot = new Probot({
    appId: APP_ID,
    logLevel: "fatal",
    privateKey,
    Octokit: ProbotOctokit.defaults((options: Record<string, unknown>) => ({
      ...options,
      retry: { enabled: false },
      throttle: { enabled: false },
    })),
  });
  void probot.load(app);
  return probot;
}

export function mockInstallationToken(scope: nock.Scope): nock.Scope {
  return scope.post(`/app/installations/${INSTALLATION_ID}/access_tokens`).reply(200, {
    token: "test-token",
    expires_at: "2099-01-01T00:00:00Z",
    permissions: INSTALLATION_PERMISSIONS,
  });
}

interface ExampleEvent {
  name: string;
  examples: Record<string, unknown>[];
}

/** A real payload from @octokit/webhooks-examples, picked by event and action (and an optional test). */
export function examplePayload(
  event: string,
  pick: (payload: Record<string, unknown>) => boolean = () => true,
): Record<string, unknown> {
  const index = require("@octokit/webhooks-examples/api.github.com/index.json") as ExampleEvent[];
  const found = index.find((e) => e.name === event)?.examples.find(pick);
  if (!found) throw new Error(`no ${event} example matches`);
  return structuredClone(found);
}

export function encodeBlob(text: string): { content: string; encoding: "base64" } {
  return { content: Buffer.from(text).toString("base64"), encoding: "base64" };
}

/** Where GitHub.com redirects `tarball/{ref}` to. */
export const CODELOAD = "https://codeload.github.com";

/**
 * Mocks `GET /repos/{owner}/{repo}/tarball/{ref}` as GitHub answers it: a redirect to the archive host, which
 * serves the gzipped tarball. Returns the archive host's scope.
 */
export function mockArchive(scope: nock.Scope, repoPath: string, ref: string, archive: Buffer): nock.Scope {
  scope
    .get(`/repos/${repoPath}/tarball/${ref}`)
    .reply(302, "", { location: `${CODELOAD}/${repoPath}/legacy.tar.gz/${ref}?token=archive-token` });
  return nock(CODELOAD)
    .get(`/${repoPath}/legacy.tar.gz/${ref}`)
    .query({ token: "archive-token" })
    .reply(200, archive, { "content-type": "application/x-gzip" });
}

/** Records `METHOD path` of every request a scope answers, in order. */
export function recordRequests(scopes: readonly nock.Scope[]): string[] {
  const requests: string[] = [];
  for (const scope of scopes)
    scope.on("request", (request: { method: string; path: string }) => {
      requests.push(`${request.method} ${request.path}`);
    });
  return requests;
}

/** A pull request from a fix branch as GitHub lists it; open and unmerged unless said otherwise. */
export interface ListedPull {
  number: number;
  body: string | null;
  html_url: string;
  state?: "open" | "closed";
  merged_at?: string | null;
}

/** The query of the app's one look-up of a fix branch's pull requests (open and closed, newest first). */
export function fixPullsQuery(owner: string, baseBranch: string): Record<string, string> {
  return {
    head: `${owner}:argocd-job-guard/${baseBranch}`,
    state: "all",
    sort: "created",
    direction: "desc",
    per_page: "30",
  };
}

/** Answers that look-up for `owner/repo` with these pull requests. */
export function mockFixPullRequests(
  scope: nock.Scope,
  repoPath: string,
  baseBranch: string,
  pulls: readonly ListedPull[],
): nock.Interceptor {
  const interceptor = scope
    .get(`/repos/${repoPath}/pulls`)
    .query(fixPullsQuery(repoPath.split("/")[0] ?? "", baseBranch));
  interceptor.reply(
    200,
    pulls.map((pull) => ({ state: "open", merged_at: null, ...pull })),
  );
  return interceptor;
}

/**
 * A push first asks whether its branch heads an open pull request (whose `synchronize` then owns the check run):
 * for tests about pushes, none does. Optional, as a tag push or a branch deletion asks nothing.
 */
export function mockNoPullRequestForPushedBranches(): void {
  nock(API)
    .get(/^\/repos\/[^/]+\/[^/]+\/pulls$/)
    .query((query) => typeof query.head === "string" && !query.head.includes(":argocd-job-guard/"))
    .optionally()
    .reply(200, [])
    .persist();
}
