import { afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import nock from "nock";
import type { Probot } from "probot";
import {
  API,
  INSTALLATION_ID,
  createTestProbot,
  encodeBlob,
  examplePayload,
  mockInstallationToken,
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

function sha(path: string, revision: string): string {
  return `${revision.slice(0, 4)}${Buffer.from(path).toString("hex")}`.slice(0, 40).padEnd(40, "0");
}

/** Mocks a commit's tree and blob reads for the given files; returns the scope. */
function mockCommit(
  scope: nock.Scope,
  revision: string,
  files: Record<string, string>,
  readable: string[],
): nock.Scope {
  scope
    .get(`/repos/${OWNER}/${REPO}/git/trees/${revision}`)
    .query({ recursive: "true" })
    .reply(200, {
      sha: revision,
      truncated: false,
      tree: Object.keys(files).map((path) => ({
        path,
        type: "blob",
        sha: sha(path, revision),
        mode: "100644",
      })),
    });
  for (const path of readable) {
    scope
      .get(`/repos/${OWNER}/${REPO}/git/blobs/${sha(path, revision)}`)
      .reply(200, encodeBlob(files[path] ?? ""));
  }
  return scope;
}

function mockNoConfig(scope: nock.Scope): nock.Scope {
  return scope.get(CONFIG_PATH).reply(404).get(ORG_CONFIG_PATH).reply(404);
}

describe("push", () => {
  let probot: Probot;
  let checkRuns: Record<string, unknown>[];
  let updates: Record<string, unknown>[];

  beforeEach(() => {
    setUpNock();
    probot = createTestProbot();
    checkRuns = [];
    updates = [];
  });

  afterEach(() => {
    expect(tearDownNock()).toEqual([]);
  });

  function captureCheckRuns(scope: nock.Scope, times = 1): nock.Scope {
    scope
      .post(`/repos/${OWNER}/${REPO}/check-runs`, (body: Record<string, unknown>) => {
        checkRuns.push(body);
        return true;
      })
      .times(times)
      .reply(201, { id: 42 });
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
    mockCommit(scope, AFTER, head, ["apps/migrate.yaml", "argocd/hello.yaml"]);
    captureCheckRuns(scope);

    await probot.receive({
      id: "2",
      name: "push",
      payload: pushPayload({ added: ["apps/migrate.yaml"] }) as never,
    });

    expect(checkRuns).toHaveLength(1);
    const run = checkRuns[0] as {
      conclusion: string;
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
  });

  it("reports an image bump on a plain Job as the sync failure it will be", async () => {
    const head = { "argocd/hello.yaml": APPLICATION, "apps/migrate.yaml": job("db-migrate", "app:1.1") };
    const base = { "argocd/hello.yaml": APPLICATION, "apps/migrate.yaml": job("db-migrate", "app:1.0") };
    const scope = mockInstallationToken(nock(API));
    mockNoConfig(scope);
    mockCommit(scope, AFTER, head, ["apps/migrate.yaml", "argocd/hello.yaml"]);
    mockCommit(scope, BEFORE, base, ["apps/migrate.yaml"]);
    captureCheckRuns(scope);

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
    mockCommit(scope, AFTER, head, ["jobs.yaml"]);
    captureCheckRuns(scope);
    scope
      .patch(`/repos/${OWNER}/${REPO}/check-runs/42`, (body: Record<string, unknown>) => {
        updates.push(body);
        return true;
      })
      .times(2)
      .reply(200, { id: 42 });

    await probot.receive({ id: "4", name: "push", payload: pushPayload({ added: ["jobs.yaml"] }) as never });

    const sizes = [checkRuns[0], ...updates].map(
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

  it("reads a constant number of things plus one blob per changed manifest, never the unchanged ones", async () => {
    const head: Record<string, string> = { "argocd/hello.yaml": APPLICATION };
    for (let i = 0; i < 200; i++) head[`apps/unchanged-${i}.yaml`] = job(`unchanged-${i}`, "app:1.0");
    const changed = Array.from({ length: 10 }, (_, i) => `apps/changed-${i}.yaml`);
    for (const path of changed) head[path] = job(path.slice(5, -5), "app:1.0");
    const scope = mockInstallationToken(nock(API));
    mockNoConfig(scope);
    mockCommit(scope, AFTER, head, [...changed, "argocd/hello.yaml"]);
    captureCheckRuns(scope);

    await probot.receive({ id: "10", name: "push", payload: pushPayload({ added: changed }) as never });

    const run = checkRuns[0] as { output: { annotations: { path: string }[] } };
    expect(run.output.annotations.map((a) => a.path).sort()).toEqual([...changed].sort());
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
    mockCommit(scope, AFTER, head, [
      "web/base/job.yaml",
      "argocd/hello.yaml",
      "web/base/kustomization.yaml",
      "web/overlays/prod/kustomization.yaml",
      "web/overlays/prod/hook.yaml",
    ]);
    captureCheckRuns(scope);

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

  it("reads Applications where the applications globs say, besides the path hints", async () => {
    const head = {
      "clusters/prod/hello.yaml": APPLICATION,
      "apps/migrate.yaml": job("db-migrate", "app:1.0"),
      "other/unrelated.yaml": job("unrelated", "app:1.0"),
    };
    const scope = mockInstallationToken(nock(API));
    scope.get(CONFIG_PATH).reply(200, 'applications: ["clusters/**/*.yaml"]\n');
    mockCommit(scope, AFTER, head, ["apps/migrate.yaml", "clusters/prod/hello.yaml"]);
    captureCheckRuns(scope);

    await probot.receive({
      id: "13",
      name: "push",
      payload: pushPayload({ added: ["apps/migrate.yaml"] }) as never,
    });

    const run = checkRuns[0] as { output: { summary: string } };
    expect(run.output.summary).toContain("| hello (Application) | `clusters/prod/hello.yaml` | `apps` |");
  });
});
