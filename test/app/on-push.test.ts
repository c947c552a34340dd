import { afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import nock from "nock";
import type { Probot } from "probot";
import { FIX_PR_ACTION } from "../../src/app/on-fix-requested.js";
import { tarballOf } from "../helpers/archive.js";
import {
  API,
  INSTALLATION_ID,
  createTestProbot,
  encodeBlob,
  fixPullsQuery,
  examplePayload,
  mockArchive,
  mockFixPullRequests,
  mockInstallationToken,
  mockNoPullRequestForPushedBranches,
  recordRequests,
  setUpNock,
  tearDownNock,
} from "../helpers/github-mock.js";

const OWNER = "Codertocat";
const REPO = "Hello-World";
const BEFORE = "1111111111111111111111111111111111111111";
const AFTER = "2222222222222222222222222222222222222222";
const CONFIG_PATH = "/repos/Codertocat/Hello-World/contents/.github%2Fargocd-job-guard.yml";
const ORG_CONFIG_PATH = "/repos/Codertocat/.github/contents/.github%2Fargocd-job-guard.yml";

function job(name: string, image: string): string {
  return `apiVersion: batch/v1
kind: Job
metadata:
  name: ${name}
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: main
          image: ${image}
`;
}

const APPLICATION = `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: hello
spec:
  source:
    repoURL: https://github.com/Codertocat/Hello-World.git
    path: apps
`;

function pushPayload(
  changes: { added?: string[]; modified?: string[]; removed?: string[] },
  overrides: Record<string, unknown> = {},
) {
  const payload = examplePayload(
    "push",
    (p) => p.ref === "refs/heads/master" && p.installation !== undefined,
  );
  return {
    ...payload,
    before: BEFORE,
    after: AFTER,
    forced: false,
    installation: { id: INSTALLATION_ID, node_id: "x" },
    commits: [{ id: AFTER, added: [], removed: [], modified: [], ...changes }],
    ...overrides,
  };
}

/** Mocks a commit's archive (redirect, then the tarball); returns the archive host's scope. */
function mockCommit(scope: nock.Scope, revision: string, files: Record<string, string>): nock.Scope {
  return mockArchive(scope, `${OWNER}/${REPO}`, revision, tarballOf(files));
}

/** Mocks the raw read of one file at a revision (the base side of a small diff-aware scan). */
function mockFileAt(scope: nock.Scope, revision: string, path: string, text: string | null): nock.Scope {
  const interceptor = scope
    .get(`/repos/${OWNER}/${REPO}/contents/${encodeURIComponent(path)}`)
    .query({ ref: revision });
  return text === null ? interceptor.reply(404) : interceptor.reply(200, text);
}

function mockNoConfig(scope: nock.Scope): nock.Scope {
  return scope.get(CONFIG_PATH).reply(404).get(ORG_CONFIG_PATH).reply(404);
}

describe("push", () => {
  let probot: Probot;
  let checkRuns: Record<string, unknown>[];
  let updatesSeen: Record<string, unknown>[];
  let started: string[];

  beforeEach(() => {
    setUpNock();
    mockNoPullRequestForPushedBranches();
    probot = createTestProbot();
    checkRuns = [];
    updatesSeen = [];
    started = [];
  });

  afterEach(() => {
    expect(tearDownNock()).toEqual([]);
  });

  /**
   * Mocks the check-run writes: the creation, then `updates` PATCHes. `checkRuns` holds each check run as it ends
   * up (the update that completes it applied over the creation); `updatesSeen` the annotation batches that follow.
   */
  function captureCheckRuns(scope: nock.Scope, updates = 0): nock.Scope {
    scope
      .post(`/repos/${OWNER}/${REPO}/check-runs`, (body: Record<string, unknown>) => {
        checkRuns.push({ ...body });
        started.push(body.status as string);
        return true;
      })
      .reply(201, { id: 42 });
    // A scanned push looks for the branch's fix pull request (none here), to keep it in step.
    if (updates > 0)
      scope
        .get(`/repos/${OWNER}/${REPO}/pulls`)
        .query(fixPullsQuery(OWNER, "master"))
        .optionally()
        .reply(200, []);
    if (updates > 0)
      scope
        .patch(`/repos/${OWNER}/${REPO}/check-runs/42`, (body: Record<string, unknown>) => {
          const run = checkRuns[checkRuns.length - 1] ?? {};
          if (body.status === "completed") Object.assign(run, body);
          else updatesSeen.push(body);
          return true;
        })
        .times(updates)
        .reply(200, { id: 42 });
    return scope;
  }

  it("a push that changes no manifest reads no file and posts one neutral check run", async () => {
    const scope = mockInstallationToken(nock(API));
    mockNoConfig(scope);
    captureCheckRuns(scope);

    await probot.receive({
      id: "1",
      name: "push",
      payload: pushPayload({ modified: ["README.md", "src/main.go"] }) as never,
    });

    expect(checkRuns).toEqual([
      expect.objectContaining({
        name: "Argo CD Jobs",
        head_sha: AFTER,
        status: "completed",
        conclusion: "neutral",
        output: expect.objectContaining({ title: "No Kubernetes manifests changed" }) as unknown,
      }),
    ]);
  });

  it("reports a plain Job in a changed manifest with its line annotation, summary and fix", async () => {
    const head = {
      "argocd/hello.yaml": APPLICATION,
      "apps/migrate.yaml": job("db-migrate", "app:1.0"),
      "README.md": "",
    };
    const scope = mockInstallationToken(nock(API));
    mockNoConfig(scope);
    mockCommit(scope, AFTER, head);
    captureCheckRuns(scope, 1);

    await probot.receive({
      id: "2",
      name: "push",
      payload: pushPayload({ added: ["apps/migrate.yaml"] }) as never,
    });

    expect(checkRuns).toHaveLength(1);
    expect(started).toEqual(["in_progress"]);
    const run = checkRuns[0] as {
      conclusion: string;
      actions: unknown;
      output: { title: string; summary: string; annotations: Record<string, unknown>[] };
    };
    expect(run.conclusion).toBe("neutral");
    expect(run.output.title).toBe("1 warning");
    expect(run.output.annotations).toEqual([
      expect.objectContaining({
        path: "apps/migrate.yaml",
        start_line: 2,
        end_line: 4,
        annotation_level: "warning",
        title: "plain-job: db-migrate",
      }),
    ]);
    expect(run.output.summary).toContain("| 🟠 warning | [plain-job](");
    expect(run.output.summary).toContain("+    argocd.argoproj.io/hook: PreSync");
    expect(run.output.summary).toContain("| hello (Application) | `argocd/hello.yaml` | `apps` |");
    expect(run.actions).toEqual([FIX_PR_ACTION]);
  });

  it("offers no fix PR button with report.fixPullRequest: off", async () => {
    const scope = mockInstallationToken(nock(API));
    scope.get(CONFIG_PATH).reply(200, "report:\n  fixPullRequest: off\n");
    mockCommit(scope, AFTER, { "apps/migrate.yaml": job("db-migrate", "app:1.0") });
    captureCheckRuns(scope, 1);

    await probot.receive({
      id: "2b",
      name: "push",
      payload: pushPayload({ added: ["apps/migrate.yaml"] }) as never,
    });

    expect((checkRuns[0] as { output: { title: string } }).output.title).toBe("1 warning");
    expect(checkRuns[0]).not.toHaveProperty("actions");
  });

  it("reports an image bump on a plain Job as the sync failure it will be", async () => {
    const head = { "argocd/hello.yaml": APPLICATION, "apps/migrate.yaml": job("db-migrate", "app:1.1") };
    const base = { "argocd/hello.yaml": APPLICATION, "apps/migrate.yaml": job("db-migrate", "app:1.0") };
    const scope = mockInstallationToken(nock(API));
    mockNoConfig(scope);
    mockCommit(scope, AFTER, head);
    mockFileAt(scope, BEFORE, "apps/migrate.yaml", base["apps/migrate.yaml"]);
    captureCheckRuns(scope, 1);

    await probot.receive({
      id: "3",
      name: "push",
      payload: pushPayload({ modified: ["apps/migrate.yaml"] }) as never,
    });

    const run = checkRuns[0] as {
      conclusion: string;
      output: { title: string; annotations: { title: string; message: string }[] };
    };
    expect(run.conclusion).toBe("failure");
    expect(run.output.title).toBe("1 error");
    expect(run.output.annotations[0]?.title).toBe("immutable-change: db-migrate");
    expect(run.output.annotations[0]?.message).toContain('Job.batch "db-migrate" is invalid: spec.template');
  });

  it("sends annotations in batches of at most 50", async () => {
    const many = Array.from({ length: 120 }, (_, i) => job(`job-${i}`, "app:1")).join("---\n");
    const head = { "jobs.yaml": many };
    const scope = mockInstallationToken(nock(API));
    mockNoConfig(scope);
    mockCommit(scope, AFTER, head);
    captureCheckRuns(scope, 3);

    await probot.receive({ id: "4", name: "push", payload: pushPayload({ added: ["jobs.yaml"] }) as never });

    const sizes = [checkRuns[0], ...updatesSeen].map(
      (body) => ((body as { output: { annotations: unknown[] } }).output.annotations ?? []).length,
    );
    expect(sizes).toEqual([50, 50, 20]);
  });

  it("an invalid configuration gives a check run that says exactly what is wrong", async () => {
    const scope = mockInstallationToken(nock(API));
    scope.get(CONFIG_PATH).reply(200, "rules:\n  plain-jobs: error\nfix:\n  strategy: rename\n");
    captureCheckRuns(scope);

    await probot.receive({
      id: "5",
      name: "push",
      payload: pushPayload({ modified: ["apps/migrate.yaml"] }) as never,
    });

    const run = checkRuns[0] as { conclusion: string; output: { title: string; summary: string } };
    expect(run.conclusion).toBe("failure");
    expect(run.output.title).toBe("Invalid argocd-job-guard configuration");
    expect(run.output.summary).toContain("fix.strategy: Invalid option");
    expect(run.output.summary).toContain("rules.plain-jobs: unknown rule id");
  });

  it.each([
    ["a tag push", { ref: "refs/tags/v1.0.0" }],
    ["a deleted branch", { deleted: true, after: "0000000000000000000000000000000000000000" }],
  ])("ignores %s without a single request", async (_label, overrides) => {
    await probot.receive({
      id: "6",
      name: "push",
      payload: pushPayload({ modified: ["a.yaml"] }, overrides) as never,
    });

    expect(checkRuns).toEqual([]);
  });

  it("a push and its check_suite requested make one check run", async () => {
    const scope = mockInstallationToken(nock(API));
    mockNoConfig(scope);
    captureCheckRuns(scope);
    const suite = examplePayload("check_suite", (p) => p.action === "requested");

    await probot.receive({
      id: "7",
      name: "push",
      payload: pushPayload({ modified: ["README.md"] }) as never,
    });
    await probot.receive({
      id: "8",
      name: "check_suite",
      payload: { ...suite, installation: { id: INSTALLATION_ID } } as never,
    });

    expect(checkRuns).toHaveLength(1);
  });

  it("a forced push asks the compare API what changed", async () => {
    const scope = mockInstallationToken(nock(API));
    scope
      .get(`/repos/${OWNER}/${REPO}/compare/${BEFORE}...${AFTER}`)
      .reply(200, { files: [{ filename: "docs/index.md", status: "modified" }] });
    mockNoConfig(scope);
    captureCheckRuns(scope);

    await probot.receive({
      id: "9",
      name: "push",
      payload: pushPayload({ modified: [] }, { forced: true }) as never,
    });

    expect((checkRuns[0] as { conclusion: string }).conclusion).toBe("neutral");
  });

  it.each([1, 50, 500])(
    "a push changing %i manifests costs the same requests: config, archive, base files or archive, check run",
    async (count) => {
      const head: Record<string, string> = { "argocd/hello.yaml": APPLICATION };
      for (let i = 0; i < 200; i++) head[`apps/unchanged-${i}.yaml`] = job(`unchanged-${i}`, "app:1.0");
      const changed = Array.from({ length: count }, (_, i) => `apps/changed-${i}.yaml`);
      for (const path of changed) head[path] = job(path.slice(5, -5), "app:1.1");
      const base = { ...head };
      for (const path of changed) base[path] = job(path.slice(5, -5), "app:1.0");
      const scope = mockInstallationToken(nock(API));
      mockNoConfig(scope);
      const archiveHost = [mockCommit(scope, AFTER, head)];
      if (count === 1) mockFileAt(scope, BEFORE, changed[0] ?? "", base[changed[0] ?? ""] ?? "");
      else archiveHost.push(mockCommit(scope, BEFORE, base));
      captureCheckRuns(scope, Math.ceil(count / 50));
      const requests = recordRequests([scope, ...archiveHost]);

      await probot.receive({ id: "10", name: "push", payload: pushPayload({ modified: changed }) as never });

      const reads = requests.filter((request) => !/check-runs|access_tokens/.test(request));
      expect(reads).toEqual([
        `GET /repos/${OWNER}/${REPO}/contents/.github%2Fargocd-job-guard.yml`,
        `GET /repos/${OWNER}/.github/contents/.github%2Fargocd-job-guard.yml`,
        `GET /repos/${OWNER}/${REPO}/tarball/${AFTER}`,
        `GET /${OWNER}/${REPO}/legacy.tar.gz/${AFTER}?token=archive-token`,
        ...(count === 1
          ? [`GET /repos/${OWNER}/${REPO}/contents/apps%2Fchanged-0.yaml?ref=${BEFORE}`]
          : [
              `GET /repos/${OWNER}/${REPO}/tarball/${BEFORE}`,
              `GET /${OWNER}/${REPO}/legacy.tar.gz/${BEFORE}?token=archive-token`,
            ]),
        `GET /repos/${OWNER}/${REPO}/pulls?head=${OWNER}%3Aargocd-job-guard%2Fmaster&state=all&sort=created&direction=desc&per_page=30`,
      ]);
      const run = checkRuns[0] as { output: { title: string; annotations: { path: string }[] } };
      expect(run.output.title).toBe(`${count} error${count === 1 ? "" : "s"}`);
      expect(run.output.annotations[0]?.path).toBe("apps/changed-0.yaml");
    },
  );

  it("finds the Application wherever the repository keeps it, and leaves alone the Jobs it does not deploy", async () => {
    // The case of the issue: the Application sits in clusters/prod/, a path that names nothing Argo CD.
    const billing = APPLICATION.replace("name: hello", "name: billing").replace(
      "path: apps",
      "path: services/billing",
    );
    const head = {
      "clusters/prod/billing.yaml": billing,
      "services/billing/report-job.yaml": job("report", "report:1.0"),
      "scratch/manual-job.yaml": job("manual", "debug:1.0"),
    };
    const scope = mockInstallationToken(nock(API));
    mockNoConfig(scope);
    mockCommit(scope, AFTER, head);
    captureCheckRuns(scope, 1);

    await probot.receive({
      id: "13",
      name: "push",
      payload: pushPayload({
        added: ["services/billing/report-job.yaml", "scratch/manual-job.yaml"],
      }) as never,
    });

    const run = checkRuns[0] as {
      output: { annotations: { path: string; title: string }[]; summary: string };
    };
    expect(run.output.annotations.map((a) => [a.path, a.title])).toEqual([
      ["services/billing/report-job.yaml", "plain-job: report"],
    ]);
    expect(run.output.summary).toContain(
      "| billing (Application) | `clusters/prod/billing.yaml` | `services/billing` |",
    );
  });

  it("reads the patch files that kustomizations name, so an overlay that makes a base Job a hook is honoured", async () => {
    const overlayApp = APPLICATION.replace("path: apps", "path: web/overlays/prod");
    const head = {
      "argocd/hello.yaml": overlayApp,
      "web/base/kustomization.yaml": "resources:\n  - job.yaml\n",
      "web/base/job.yaml": job("seed", "app:1.0"),
      "web/overlays/prod/kustomization.yaml":
        "resources:\n  - ../../base\npatchesStrategicMerge:\n  - hook.yaml\n",
      "web/overlays/prod/hook.yaml":
        "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: seed\n  annotations:\n    argocd.argoproj.io/hook: Sync\n",
    };
    const scope = mockInstallationToken(nock(API));
    mockNoConfig(scope);
    mockCommit(scope, AFTER, head);
    captureCheckRuns(scope, 1);

    await probot.receive({
      id: "11",
      name: "push",
      payload: pushPayload({ added: ["web/base/job.yaml"] }) as never,
    });

    expect((checkRuns[0] as { conclusion: string }).conclusion).toBe("success");
  });

  it.each([
    [
      "report.checkRunWhenNoManifests: false, on a push without manifests",
      "report:\n  checkRunWhenNoManifests: false\n",
      ["README.md"],
    ],
    [
      "report.checkRun: false, on a push with manifests",
      "report:\n  checkRun: false\n",
      ["apps/migrate.yaml"],
    ],
  ])("publishes nothing with %s", async (_label, config, modified) => {
    const scope = mockInstallationToken(nock(API));
    scope.get(CONFIG_PATH).reply(200, config);

    await probot.receive({ id: "12", name: "push", payload: pushPayload({ modified }) as never });

    expect(checkRuns).toEqual([]);
  });

  it("a configuration GitHub cannot serve is not called invalid: a neutral check run says GitHub failed", async () => {
    const scope = mockInstallationToken(nock(API));
    scope.get(CONFIG_PATH).reply(503, { message: "Service Unavailable" });
    captureCheckRuns(scope);

    await probot.receive({
      id: "20",
      name: "push",
      payload: pushPayload({ modified: ["apps/migrate.yaml"] }) as never,
    });

    const run = checkRuns[0] as { conclusion: string; output: { title: string; summary: string } };
    expect(run.conclusion).toBe("neutral");
    expect(run.output.title).toBe("GitHub did not answer: this commit was not scanned");
    expect(run.output.summary).toContain("HTTP 503");
  });

  it("a scan that fails still completes its check run, saying why, and the delivery fails", async () => {
    const scope = mockInstallationToken(nock(API));
    mockNoConfig(scope);
    scope.get(`/repos/${OWNER}/${REPO}/tarball/${AFTER}`).reply(500);
    scope.get(`/repos/${OWNER}/${REPO}/git/trees/${AFTER}`).query({ recursive: "true" }).reply(500);
    captureCheckRuns(scope, 1);

    await expect(
      probot.receive({
        id: "21",
        name: "push",
        payload: pushPayload({ added: ["apps/migrate.yaml"] }) as never,
      }),
    ).rejects.toThrow();

    expect(started).toEqual(["in_progress"]);
    const run = checkRuns[0] as { status: string; conclusion: string; output: { title: string } };
    expect(run.status).toBe("completed");
    expect(run.conclusion).toBe("neutral");
    expect(run.output.title).toBe("argocd-job-guard could not scan this commit");
  });

  it("a report GitHub refuses is replaced by one that says so: the check run never stays in progress", async () => {
    const scope = mockInstallationToken(nock(API));
    mockNoConfig(scope);
    mockCommit(scope, AFTER, { "apps/migrate.yaml": job("db-migrate", "app:1.0") });
    captureCheckRuns(scope);
    mockFixPullRequests(scope, `${OWNER}/${REPO}`, "master", []);
    const completions: Record<string, unknown>[] = [];
    scope
      .patch(`/repos/${OWNER}/${REPO}/check-runs/42`, (body: Record<string, unknown>) => {
        completions.push(body);
        return true;
      })
      .reply(422, { message: "Validation Failed" })
      .patch(`/repos/${OWNER}/${REPO}/check-runs/42`, (body: Record<string, unknown>) => {
        completions.push(body);
        return true;
      })
      .reply(200, { id: 42 });

    await expect(
      probot.receive({
        id: "22",
        name: "push",
        payload: pushPayload({ added: ["apps/migrate.yaml"] }) as never,
      }),
    ).rejects.toThrow("Validation Failed");

    expect(completions.map((body) => [body.status, (body.output as { title: string }).title])).toEqual([
      ["completed", "1 warning"],
      ["completed", "argocd-job-guard could not scan this commit"],
    ]);
  });

  describe("when the archive cannot be read", () => {
    function mockTree(scope: nock.Scope, revision: string, files: Record<string, string>): nock.Scope {
      return scope
        .get(`/repos/${OWNER}/${REPO}/git/trees/${revision}`)
        .query({ recursive: "true" })
        .reply(200, {
          sha: revision,
          truncated: false,
          tree: Object.keys(files).map((path) => ({
            path,
            type: "blob",
            sha: blobSha(path),
            mode: "100644",
          })),
        });
    }
    function mockBlobs(scope: nock.Scope, files: Record<string, string>, paths: readonly string[]): void {
      for (const path of paths)
        scope
          .get(`/repos/${OWNER}/${REPO}/git/blobs/${blobSha(path)}`)
          .reply(200, encodeBlob(files[path] ?? ""));
    }

    it("a small repository is read blob by blob, in full, and the check run says the archive failed", async () => {
      const head = {
        "clusters/prod/hello.yaml": APPLICATION,
        "apps/migrate.yaml": job("db-migrate", "app:1.0"),
        "README.md": "",
      };
      const scope = mockInstallationToken(nock(API));
      mockNoConfig(scope);
      scope.get(`/repos/${OWNER}/${REPO}/tarball/${AFTER}`).reply(502, "Bad Gateway");
      mockTree(scope, AFTER, head);
      mockBlobs(scope, head, ["apps/migrate.yaml", "clusters/prod/hello.yaml"]);
      captureCheckRuns(scope, 1);

      await probot.receive({
        id: "14",
        name: "push",
        payload: pushPayload({ added: ["apps/migrate.yaml"] }) as never,
      });

      const run = checkRuns[0] as { output: { title: string; summary: string } };
      expect(run.output.title).toBe("1 warning");
      expect(run.output.summary).toContain("The repository archive could not be read (HTTP 502");
      expect(run.output.summary).toContain("the commit was read file by file");
    });

    it("a damaged archive is not used: the commit is read file by file", async () => {
      const head = { "apps/migrate.yaml": job("db-migrate", "app:1.0") };
      const scope = mockInstallationToken(nock(API));
      mockNoConfig(scope);
      const archive = tarballOf(head);
      mockArchive(scope, `${OWNER}/${REPO}`, AFTER, archive.subarray(0, archive.length - 20));
      mockTree(scope, AFTER, head);
      mockBlobs(scope, head, ["apps/migrate.yaml"]);
      captureCheckRuns(scope, 1);

      await probot.receive({
        id: "15",
        name: "push",
        payload: pushPayload({ added: ["apps/migrate.yaml"] }) as never,
      });

      const run = checkRuns[0] as { output: { title: string; summary: string } };
      expect(run.output.title).toBe("1 warning");
      expect(run.output.summary).toContain("The repository archive could not be read (");
    });

    it("a large repository reads only the changed manifests and the files the applications globs point at", async () => {
      const head: Record<string, string> = {
        "clusters/prod/hello.yaml": APPLICATION,
        "apps/migrate.yaml": job("db-migrate", "app:1.0"),
      };
      for (let i = 0; i < 120; i++) head[`other/unchanged-${i}.yaml`] = job(`unchanged-${i}`, "app:1.0");
      const scope = mockInstallationToken(nock(API));
      scope.get(CONFIG_PATH).reply(200, 'applications: ["clusters/**/*.yaml"]\n');
      scope.get(`/repos/${OWNER}/${REPO}/tarball/${AFTER}`).reply(500);
      mockTree(scope, AFTER, head);
      mockBlobs(scope, head, ["apps/migrate.yaml", "clusters/prod/hello.yaml"]);
      captureCheckRuns(scope, 1);

      await probot.receive({
        id: "16",
        name: "push",
        payload: pushPayload({ added: ["apps/migrate.yaml"] }) as never,
      });

      const run = checkRuns[0] as { output: { summary: string } };
      expect(run.output.summary).toContain("| hello (Application) | `clusters/prod/hello.yaml` | `apps` |");
      expect(run.output.summary).toContain("Of its 122 manifests, only the changed ones");
    });
  });
});

function blobSha(path: string): string {
  return Buffer.from(path).toString("hex").slice(0, 40).padEnd(40, "0");
}
