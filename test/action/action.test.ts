/**
 * The Action as a runner runs it: each `run` step of action.yml, its `${{ … }}` expressions replaced as GitHub
 * does, in bash, with the environment a runner gives a step, on a workspace whose scanned `path` is a
 * subdirectory. The Scan step runs the committed CLI bundle, as in a workflow.
 */
import { afterAll, beforeAll, describe, expect, it, jest } from "@jest/globals";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parse } from "yaml";

// Each test spawns git, node or npm several times: seconds alone, many more on a loaded 2-core machine.
jest.setTimeout(120_000);

const ACTION_ROOT = resolve(import.meta.dirname, "../..");

interface Step {
  id?: string;
  name: string;
  if?: string;
  shell?: string;
  env?: Record<string, string>;
  run?: string;
  uses?: string;
  with?: Record<string, string>;
}
interface ActionYml {
  inputs: Record<string, { default?: string }>;
  outputs: Record<string, { value: string }>;
  runs: { using: string; steps: Step[] };
}

const action = parse(readFileSync(join(ACTION_ROOT, "action.yml"), "utf8")) as ActionYml;

const jobYaml = (image: string) => `apiVersion: batch/v1
kind: Job
metadata:
  name: db-migrate
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: migrate
          image: ${image}
`;

let scratch: string;
let origin: string;
/** main's head: a commit after the branch point, so a checkout of the branch alone does not have it. */
let mainSha: string;

function git(cwd: string, ...args: string[]): string {
  return execFileSync("git", ["-c", "user.name=test", "-c", "user.email=test@example.com", ...args], {
    cwd,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  }).trim();
}

interface StepRun {
  status: number | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
  runnerTemp: string;
}

/** Runs the action's `run` steps in a fresh runner environment: inputs as given, defaults from action.yml. */
function runAction(workspace: string, inputs: Record<string, string>): StepRun {
  const runnerTemp = mkdtempSync(join(scratch, "runner-temp-"));
  const outputFile = join(runnerTemp, "github_output");
  const summaryFile = join(runnerTemp, "step_summary");
  writeFileSync(outputFile, "");
  writeFileSync(summaryFile, "");
  const values: Record<string, string> = {};
  for (const [name, spec] of Object.entries(action.inputs)) values[name] = inputs[name] ?? spec.default ?? "";
  const expand = (text: string) =>
    text.replace(/\$\{\{\s*([^}]+?)\s*\}\}/g, (_m, expr: string) => {
      const input = /^inputs\.([\w-]+)$/.exec(expr);
      if (input) return values[input[1]!] ?? "";
      if (expr === "github.action_path") return ACTION_ROOT;
      if (expr === "runner.temp") return runnerTemp;
      throw new Error(`expression not handled by the test: ${expr}`);
    });
  let last: StepRun | undefined;
  for (const step of action.runs.steps.filter((s) => s.run !== undefined)) {
    expect(step.shell).toBe("bash");
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? scratch,
      GITHUB_WORKSPACE: workspace,
      GITHUB_OUTPUT: outputFile,
      GITHUB_STEP_SUMMARY: summaryFile,
      RUNNER_TEMP: runnerTemp,
      GITHUB_ACTION_PATH: ACTION_ROOT,
      GITHUB_SERVER_URL: "https://github.com",
      GITHUB_REPOSITORY: "example/gitops",
      GITHUB_SHA: "0123456789abcdef0123456789abcdef01234567",
      CI: "true",
    };
    for (const [name, value] of Object.entries(step.env ?? {})) env[name] = expand(value);
    // The runner's own invocation for `shell: bash`.
    const result = spawnSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", "-c", expand(step.run!)], {
      cwd: workspace,
      env,
      encoding: "utf8",
    });
    const outputs: Record<string, string> = {};
    for (const line of readFileSync(outputFile, "utf8").split("\n")) {
      const eq = line.indexOf("=");
      if (eq > 0) outputs[line.slice(0, eq)] = line.slice(eq + 1);
    }
    last = {
      status: result.status,
      stdout: result.stdout,
      stderr: result.stderr,
      outputs,
      summary: readFileSync(summaryFile, "utf8"),
      runnerTemp,
    };
    if (result.status !== 0) break;
  }
  return last!;
}

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), "ajg-action-"));
  // origin: a GitOps tree under deploy/ of a larger repository; main has the Job, the branch changes its image.
  const seed = join(scratch, "seed");
  mkdirSync(join(seed, "deploy", "jobs"), { recursive: true });
  git(seed, "init", "-q", "-b", "main");
  writeFileSync(join(seed, "README.md"), "not scanned\n");
  writeFileSync(join(seed, "deploy", "jobs", "migrate.yaml"), jobYaml("app:1.0"));
  git(seed, "add", "-A");
  git(seed, "commit", "-q", "-m", "main");
  git(seed, "checkout", "-q", "-b", "feature");
  writeFileSync(join(seed, "deploy", "jobs", "migrate.yaml"), jobYaml("app:2.0"));
  git(seed, "commit", "-q", "-am", "bump the migration image");
  git(seed, "checkout", "-q", "main");
  writeFileSync(join(seed, "README.md"), "main moved on\n");
  git(seed, "commit", "-q", "-am", "main moves on");
  mainSha = git(seed, "rev-parse", "HEAD");
  origin = join(scratch, "origin.git");
  git(scratch, "clone", "-q", "--bare", seed, origin);
});

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

/** What actions/checkout leaves: the branch alone, shallow by default (fetch-depth: 1), or complete (0). */
function checkout(name: string, depth: number): string {
  const workspace = join(scratch, name);
  const shallow = depth > 0 ? ["--depth", String(depth)] : [];
  git(
    scratch,
    "clone",
    "-q",
    "--single-branch",
    "--branch",
    "feature",
    ...shallow,
    `file://${origin}`,
    workspace,
  );
  return workspace;
}

function isShallow(workspace: string): boolean {
  return git(workspace, "rev-parse", "--is-shallow-repository") === "true";
}

describe("action.yml", () => {
  it("is a composite action that installs nothing and uploads the SARIF the scan wrote", () => {
    expect(action.runs.using).toBe("composite");
    const text = readFileSync(join(ACTION_ROOT, "action.yml"), "utf8");
    expect(text).not.toMatch(/npm (ci|install)/);
    expect(text).not.toMatch(/--depth/);
    const upload = action.runs.steps.find((s) => s.uses?.startsWith("github/codeql-action/upload-sarif@"));
    expect(upload?.with?.sarif_file).toBe("${{ steps.scan.outputs.sarif-file }}");
    // Uploaded after a failing scan, never when the scan wrote no SARIF (invalid configuration).
    expect(upload?.if).toMatch(/always\(\)/);
    expect(upload?.if).toMatch(/steps\.scan\.outputs\.sarif-file != ''/);
    for (const name of ["findings", "errors", "warnings", "sarif-file"])
      expect(action.outputs[name]?.value).toBe(`\${{ steps.scan.outputs.${name} }}`);
  });

  it("path in a subdirectory, base a branch, shallow checkout: locations relative to the workspace, history fetched", () => {
    const workspace = checkout("shallow", 1);
    expect(isShallow(workspace)).toBe(true);
    const run = runAction(workspace, { path: "deploy", base: "main", "fail-on": "error" });

    // The image change of a plain Job is the sync failure: an error, which fails the step.
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(
      /^::error file=deploy\/jobs\/migrate\.yaml,line=\d+.*title=argocd-job-guard immutable-change::/m,
    );
    expect(run.stdout).not.toMatch(/file=jobs\//);
    // The merge base needs history: the shallow clone was completed, and origin/main fetched.
    expect(isShallow(workspace)).toBe(false);
    expect(git(workspace, "rev-parse", "origin/main")).toBe(mainSha);

    expect(run.outputs).toMatchObject({ findings: "1", errors: "1", warnings: "0" });
    const sarifFile = run.outputs["sarif-file"]!;
    expect(sarifFile).toBe(join(run.runnerTemp, "argocd-job-guard.sarif"));
    const sarif = JSON.parse(readFileSync(sarifFile, "utf8")) as {
      runs: {
        results: {
          ruleId: string;
          locations: { physicalLocation: { artifactLocation: { uri: string } } }[];
        }[];
      }[];
    };
    const results = sarif.runs[0]!.results;
    expect(results.map((r) => [r.ruleId, r.locations[0]!.physicalLocation.artifactLocation.uri])).toEqual([
      ["immutable-change", "deploy/jobs/migrate.yaml"],
    ]);

    expect(run.summary).toContain("### argocd-job-guard");
    expect(run.summary).toContain(
      "1 finding (1 error, 0 warnings, 0 info) in `deploy`, compared with `origin/main`.",
    );
    expect(run.summary).toMatch(
      /\| error \| \[immutable-change\]\(https:\/\/[^)]+\/immutable-change\.md\) \| \[deploy\/jobs\/migrate\.yaml:\d+\]\(https:\/\/github\.com\/example\/gitops\/blob\/0123456789abcdef0123456789abcdef01234567\/deploy\/jobs\/migrate\.yaml#L\d+\) \|/,
    );
  });

  it("base a commit SHA on a complete checkout: fetched if missing, and the checkout stays complete", () => {
    const workspace = checkout("full", 0);
    // A SHA the checkout does not have yet (actions/checkout of one branch): the step fetches it.
    expect(spawnSync("git", ["cat-file", "-e", `${mainSha}^{commit}`], { cwd: workspace }).status).not.toBe(
      0,
    );
    const run = runAction(workspace, { path: "deploy", base: mainSha, "fail-on": "warning" });
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/^::error file=deploy\/jobs\/migrate\.yaml,.*immutable-change::/m);
    expect(run.outputs).toMatchObject({ findings: "1", errors: "1" });
    expect(run.summary).toContain(`compared with \`${mainSha}\``);
    expect(isShallow(workspace)).toBe(false);
    expect(existsSync(join(workspace, ".git", "shallow"))).toBe(false);
  });

  it("no base, or GitHub's null SHA for a new branch: a full scan, passing under the fail-on level", () => {
    const workspace = checkout("nobase", 1);
    for (const base of ["", "0000000000000000000000000000000000000000"]) {
      const run = runAction(workspace, { path: "deploy", base });
      expect(run.status).toBe(0);
      expect(run.stdout).toMatch(
        /^::warning file=deploy\/jobs\/migrate\.yaml,.*title=argocd-job-guard plain-job::/m,
      );
      expect(run.outputs).toMatchObject({ findings: "1", errors: "0", warnings: "1" });
      if (base !== "")
        expect(run.stdout).toMatch(/^::notice title=argocd-job-guard::base is the null commit/m);
    }
    // Nothing was fetched: a full scan needs no history.
    expect(isShallow(workspace)).toBe(true);
  });

  it("an invalid configuration fails the step with exit code 2 and writes no SARIF to upload", () => {
    const workspace = checkout("badconfig", 1);
    writeFileSync(join(workspace, "bad-config.yml"), "rules:\n  no-such-rule: error\n");
    const run = runAction(workspace, { path: "deploy", config: "bad-config.yml", sarif: "true" });
    expect(run.status).toBe(2);
    expect(run.stdout).toMatch(/^::error title=argocd-job-guard::.*invalid configuration/m);
    expect(run.outputs["sarif-file"]).toBeUndefined();
    expect(existsSync(join(run.runnerTemp, "argocd-job-guard.sarif"))).toBe(false);
  });

  it("a base that is neither a branch of origin nor a commit is an error, not a silent full scan", () => {
    const workspace = checkout("badbase", 0);
    const run = runAction(workspace, { path: "deploy", base: "no-such-branch" });
    expect(run.status).toBe(2);
    expect(run.stdout).toMatch(/^::error title=argocd-job-guard::base "no-such-branch"/m);
    expect(run.outputs.findings).toBeUndefined();
  });
});
