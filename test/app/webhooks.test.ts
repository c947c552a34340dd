import { afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import { createHmac } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import nock from "nock";
import { createNodeMiddleware, Probot, ProbotOctokit } from "probot";
import app from "../../src/index.js";
import { tarballOf } from "../helpers/archive.js";
import {
  API,
  INSTALLATION_ID,
  TEST_PRIVATE_KEY,
  createTestProbot,
  examplePayload,
  mockArchive,
  mockInstallationToken,
  setUpNock,
  tearDownNock,
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
      appId: 123,
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
        void app(p, { addHandler: () => undefined, cwd: process.cwd() });
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

  function post(body: string, signature: string) {
    return fetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-github-event": "push",
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
});

describe("re-run requests", () => {
  beforeEach(() => setUpNock());
  afterEach(() => expect(tearDownNock()).toEqual([]));

  it.each([
    ["check_suite", (p: Record<string, unknown>) => p.action === "rerequested"],
    ["check_run", (p: Record<string, unknown>) => p.action === "rerequested"],
  ])("%s rerequested scans the commit again and publishes a new check run", async (event, pick) => {
    const payload = { ...examplePayload(event, pick), installation: { id: INSTALLATION_ID } } as Record<
      string,
      unknown
    >;
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
    const payload = {
      ...examplePayload("check_run", (p) => p.action === "rerequested"),
      installation: { id: INSTALLATION_ID },
    } as Record<string, unknown>;
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
      .reply(201, { id: 7 });

    await createTestProbot().receive({ id: "r2", name: "check_run", payload } as never);

    expect(runs[0]?.output.title).toBe("1 warning");
    expect(runs[0]?.output.summary).toContain(
      "GitHub's compare lists at most 300 changed files and this commit changes more",
    );
  });
});
