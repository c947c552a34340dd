import { afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import { createHmac } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import nock from "nock";
import { createNodeMiddleware, Probot, ProbotOctokit } from "probot";
import { tarballOf } from "../helpers/archive.js";
import {
  API,
  APP_ID,
  INSTALLATION_ID,
  TEST_PRIVATE_KEY,
  createTestProbot,
  examplePayload,
  mockArchive,
  mockInstallationToken,
  setUpNock,
  tearDownNock,
  testApp,
} from "../helpers/github-mock.js";

const SECRET = "webhook-secret";

describe("webhook delivery over HTTP", () => {
  let server: Server;
  let url: string;
  let received: string[];

  beforeEach(async () => {
    setUpNock();
    nock.enableNetConnect("127.0.0.1");
    received = [];
    const probot = new Probot({
      appId: APP_ID,
      logLevel: "fatal",
      privateKey: TEST_PRIVATE_KEY,
      secret: SECRET,
      Octokit: ProbotOctokit.defaults((options: Record<string, unknown>) => ({
        ...options,
        retry: { enabled: false },
        throttle: { enabled: false },
      })),
    });
    const middleware = await createNodeMiddleware(
      (p) => {
        void testApp(p, { addHandler: () => undefined, cwd: process.cwd() });
        p.onAny((event) => {
          received.push(event.name);
        });
      },
      { probot, webhooksPath: "/api/github/webhooks" },
    );
    server = createServer((req, res) => {
      void middleware(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/github/webhooks`;
  });

  afterEach(async () => {
    await new Promise((resolve) => server.close(resolve));
    expect(tearDownNock()).toEqual([]);
  });

  function post(body: string, signature: string, event = "push") {
    return fetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-github-event": event,
        "x-github-delivery": "d1",
        "x-hub-signature-256": signature,
      },
      body,
    });
  }

  it("rejects a delivery whose signature does not match the secret, and runs nothing", async () => {
    const body = JSON.stringify(examplePayload("push", (p) => p.ref === "refs/tags/simple-tag"));
    const wrong = `sha256=${createHmac("sha256", "another-secret").update(body).digest("hex")}`;

    const response = await post(body, wrong);

    expect(response.status).toBe(400);
    expect(received).toEqual([]);
  });

  it("accepts a correctly signed delivery", async () => {
    const body = JSON.stringify(examplePayload("push", (p) => p.ref === "refs/tags/simple-tag"));
    const right = `sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}`;

    const response = await post(body, right);

    expect(response.status).toBe(200);
    expect(received).toEqual(["push"]);
  });

  it.each([
    ["without `after`", (p: Record<string, unknown>) => delete p.after, "push payload: after: "],
    ["with a number for `ref`", (p: Record<string, unknown>) => (p.ref = 42), "push payload: ref: "],
    [
      "with commits that are not a list",
      (p: Record<string, unknown>) => (p.commits = "many"),
      "push payload: commits: ",
    ],
  ])("answers 400, saying which field, to a signed push %s", async (_label, spoil, message) => {
    const payload = {
      ...examplePayload("push", (p) => p.ref === "refs/heads/master"),
      installation: { id: INSTALLATION_ID },
    };
    spoil(payload);
    const body = JSON.stringify(payload);

    const response = await post(body, `sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}`);

    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toContain(message);
  });

  it("ignores a delivery without an installation: 200, and no request to GitHub", async () => {
    const payload = examplePayload("push", (p) => p.ref === "refs/heads/master");
    delete payload.installation;
    const body = JSON.stringify(payload);

    const response = await post(body, `sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}`);

    expect(response.status).toBe(200);
    expect(received).toEqual(["push"]);
  });
});

describe("re-run requests", () => {
  beforeEach(() => setUpNock());
  afterEach(() => expect(tearDownNock()).toEqual([]));

  it.each([
    ["check_suite", (p: Record<string, unknown>) => p.action === "rerequested"],
    ["check_run", (p: Record<string, unknown>) => p.action === "rerequested"],
  ])("%s rerequested scans the commit again and publishes a new check run", async (event, pick) => {
    const payload = ourCheckRun({ ...examplePayload(event, pick), installation: { id: INSTALLATION_ID } });
    const suite = (
      event === "check_suite"
        ? payload.check_suite
        : (payload.check_run as { check_suite: unknown }).check_suite
    ) as {
      head_sha: string;
      before: string | null;
    };
    const repository = payload.repository as {
      owner: { login: string };
      name: string;
      default_branch: string;
    };
    const repo = `/repos/${repository.owner.login}/${repository.name}`;
    const base = suite.before && !/^0+$/.test(suite.before) ? suite.before : repository.default_branch;
    const runs: Record<string, unknown>[] = [];
    const scope = mockInstallationToken(nock(API));
    // The example's pull requests are closed by now: the commit is re-checked as a push.
    const pulls = [
      ...((payload.check_run as { pull_requests?: { number: number }[] } | undefined)?.pull_requests ?? []),
      ...((suite as { pull_requests?: { number: number }[] }).pull_requests ?? []),
    ];
    for (const number of new Set(pulls.map((pull) => pull.number)))
      scope.get(`${repo}/pulls/${number}`).reply(200, { state: "closed", head: { sha: suite.head_sha } });
    scope
      .get(`${repo}/compare/${base}...${suite.head_sha}`)
      .reply(200, { files: [{ filename: "README.md", status: "modified" }] });
    scope.get(`${repo}/contents/.github%2Fargocd-job-guard.yml`).reply(404);
    scope.get(`/repos/${repository.owner.login}/.github/contents/.github%2Fargocd-job-guard.yml`).reply(404);
    scope
      .post(`${repo}/check-runs`, (body: Record<string, unknown>) => {
        runs.push(body);
        return true;
      })
      .reply(201, { id: 7 });

    await createTestProbot().receive({ id: "r", name: event, payload } as never);

    expect(runs).toEqual([
      expect.objectContaining({ name: "Argo CD Jobs", head_sha: suite.head_sha, conclusion: "neutral" }),
    ]);
  });

  it("a re-run reads the commit's archive, and says when GitHub's compare cut the list of changed files", async () => {
    const payload = ourCheckRun({
      ...examplePayload("check_run", (p) => p.action === "rerequested"),
      installation: { id: INSTALLATION_ID },
    });
    const checkRun = payload.check_run as { check_suite: { head_sha: string; before: string | null } };
    const suite = checkRun.check_suite;
    const repository = payload.repository as {
      owner: { login: string };
      name: string;
      default_branch: string;
    };
    const repoPath = `${repository.owner.login}/${repository.name}`;
    const base = suite.before && !/^0+$/.test(suite.before) ? suite.before : repository.default_branch;
    const job = "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: seed\nspec: {}\n";
    const listed = Array.from({ length: 299 }, (_, i) => ({
      filename: `docs/page-${i}.md`,
      status: "added",
    }));
    const runs: { output: { title: string; summary: string } }[] = [];
    const scope = mockInstallationToken(nock(API));
    scope
      .get(`/repos/${repoPath}/compare/${base}...${suite.head_sha}`)
      .reply(200, { files: [{ filename: "apps/seed.yaml", status: "added" }, ...listed] });
    scope.get(`/repos/${repoPath}/contents/.github%2Fargocd-job-guard.yml`).reply(404);
    scope.get(`/repos/${repository.owner.login}/.github/contents/.github%2Fargocd-job-guard.yml`).reply(404);
    mockArchive(scope, repoPath, suite.head_sha, tarballOf({ "apps/seed.yaml": job }));
    scope
      .post(`/repos/${repoPath}/check-runs`, (body: { output: { title: string; summary: string } }) => {
        runs.push(body);
        return true;
      })
      .reply(201, { id: 7 })
      .patch(`/repos/${repoPath}/check-runs/7`, (body: { output: { title: string; summary: string } }) => {
        runs.push(body);
        return true;
      })
      .reply(200, { id: 7 });

    await createTestProbot().receive({ id: "r2", name: "check_run", payload } as never);

    expect(runs[0]?.output.title).toBe("Scanning the commit");
    expect(runs[1]?.output.title).toBe("1 warning");
    expect(runs[1]?.output.summary).toContain(
      "GitHub's compare lists at most 300 changed files and this commit changes more",
    );
  });

  it.each([
    ["another app's check run", { app: { id: 999 } }],
    ["a check run of another name", { name: "build" }],
  ])("a re-run of %s is left alone: no request", async (_label, change) => {
    const payload = ourCheckRun({
      ...examplePayload("check_run", (p) => p.action === "rerequested"),
      installation: { id: INSTALLATION_ID },
    });
    Object.assign(payload.check_run as object, change);

    await createTestProbot().receive({ id: "r3", name: "check_run", payload } as never);
  });

  it("a re-run whose compare fails still gets a completed check run saying why", async () => {
    const payload = ourCheckRun({
      ...examplePayload("check_run", (p) => p.action === "rerequested"),
      installation: { id: INSTALLATION_ID },
    });
    const checkRun = payload.check_run as { check_suite: { head_sha: string; before: string | null } };
    const suite = checkRun.check_suite;
    const repository = payload.repository as {
      owner: { login: string };
      name: string;
      default_branch: string;
    };
    const repoPath = `${repository.owner.login}/${repository.name}`;
    const base = suite.before && !/^0+$/.test(suite.before) ? suite.before : repository.default_branch;
    const runs: Record<string, unknown>[] = [];
    const scope = mockInstallationToken(nock(API));
    scope.get(`/repos/${repoPath}/contents/.github%2Fargocd-job-guard.yml`).reply(404);
    scope.get(`/repos/${repository.owner.login}/.github/contents/.github%2Fargocd-job-guard.yml`).reply(404);
    scope
      .get(`/repos/${repoPath}/compare/${base}...${suite.head_sha}`)
      .reply(500, { message: "Server Error" });
    scope
      .post(`/repos/${repoPath}/check-runs`, (body: Record<string, unknown>) => {
        runs.push(body);
        return true;
      })
      .reply(201, { id: 7 });

    await expect(
      createTestProbot().receive({ id: "r4", name: "check_run", payload } as never),
    ).rejects.toThrow("Server Error");

    expect(runs).toEqual([
      expect.objectContaining({
        status: "completed",
        conclusion: "neutral",
        output: expect.objectContaining({ title: "argocd-job-guard could not scan this commit" }) as unknown,
      }),
    ]);
  });
});

/** The example payloads' check runs belong to another app: make them this app's "Argo CD Jobs". */
function ourCheckRun(payload: Record<string, unknown>): Record<string, unknown> {
  const checkRun = payload.check_run as Record<string, unknown> | undefined;
  if (checkRun)
    Object.assign(checkRun, { name: "Argo CD Jobs", app: { ...(checkRun.app as object), id: APP_ID } });
  return payload;
}
