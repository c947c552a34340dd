import { afterEach, beforeAll, beforeEach, describe, expect, it } from "@jest/globals";
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { JsonReport } from "../../src/render/json.js";
import { assertBuilt, PROJECT, runBinary } from "./run-binary.js";

/** Each test starts Node once or a few times: on a loaded 2-core machine that alone can take seconds. */
const BUDGET = 60_000;
const EXAMPLE = join(PROJECT, "examples", "gitops-repo");
const job = (name: string, image = "app:1.0") =>
  `apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: ${name}\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n        - name: main\n          image: ${image}\n`;

let work: string;

beforeAll(() => assertBuilt());

beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), "ajg-bin-"));
});

afterEach(() => {
  rmSync(work, { recursive: true, force: true });
});

/** Lines of text output that are prose, which is wrapped; headers, diff lines and links are never broken. */
function proseLines(out: string): string[] {
  return out
    .split("\n")
    .filter(
      (line) => !/^\S+:\d+:\d+ {2}/.test(line) && !/^ {2}https:\/\//.test(line) && !/^ {4}[ +\-@]/.test(line),
    );
}

describe("argument errors say what is wrong in one line", () => {
  it(
    "an unknown option is named, with the nearest one, and the help is not dumped",
    async () => {
      const run = await runBinary(["scan", "--frmat", "json", "examples/gitops-repo"]);

      expect(run.code).toBe(2);
      expect(run.stderr).toBe(
        'argocd-job-guard: unknown option --frmat (did you mean --format?)\nRun "argocd-job-guard --help" for the options.\n',
      );
      expect(run.stdout).toBe("");
    },
    BUDGET,
  );

  it(
    "a PATH given without the command gets the command; a misspelt command the right one",
    async () => {
      const path = await runBinary(["examples/gitops-repo"]);
      const typo = await runBinary(["sacn", "."]);

      expect(path.code).toBe(2);
      expect(path.stderr).toContain(
        '"examples/gitops-repo" is not a command; to scan it, run: argocd-job-guard scan examples/gitops-repo\n',
      );
      expect(typo.code).toBe(2);
      expect(typo.stderr).toContain('unknown command "sacn" (did you mean scan?)');
      expect(path.stderr + typo.stderr).not.toContain("Options:");
    },
    BUDGET,
  );

  it(
    "a PATH that does not exist says so, without an errno or a stack",
    async () => {
      const run = await runBinary(["scan", "/nonexistent"]);

      expect(run.code).toBe(2);
      expect(run.stderr).toBe("argocd-job-guard: no such directory or file: /nonexistent\n");
    },
    BUDGET,
  );

  it(
    "-h, --help and help print the help; -v and --version the version",
    async () => {
      const version = (JSON.parse(readFileSync(join(PROJECT, "package.json"), "utf8")) as { version: string })
        .version;
      const runs = await Promise.all(
        [["-h"], ["--help"], ["help"], ["-v"], ["--version"]].map((a) => runBinary(a)),
      );

      expect(runs.map((run) => run.code)).toEqual([0, 0, 0, 0, 0]);
      for (const run of runs.slice(0, 3))
        expect(run.stdout).toContain("Usage: argocd-job-guard scan [PATH...]");
      expect(runs[0]?.stdout).toContain("merge base of HEAD and GIT-REF");
      expect(runs[3]?.stdout).toBe(`${version}\n`);
      expect(runs[4]?.stdout).toBe(`${version}\n`);
    },
    BUDGET,
  );
});

describe("output to a pipe", () => {
  it(
    "ends quietly when the reader has gone (`| head`), never with an EPIPE stack",
    async () => {
      const text = await runBinary(["scan", "examples/gitops-repo"], { closeStdout: true });
      const json = await runBinary(["scan", "--format", "json", "examples/gitops-repo"], {
        closeStdout: true,
      });

      expect(text.stderr).toBe("");
      expect(json.stderr).toBe("");
      expect([text.code, json.code]).toEqual([0, 0]);
    },
    BUDGET,
  );
});

describe("text output is wrapped", () => {
  it(
    "to COLUMNS when set, else to 80 columns when stdout is not a terminal; headers, diffs and links stay whole",
    async () => {
      const narrow = await runBinary(["scan", "examples/gitops-repo"], { env: { COLUMNS: "60" } });
      const pipe = await runBinary(["scan", "examples/gitops-repo"], { env: { COLUMNS: undefined } });

      expect(proseLines(narrow.stdout).filter((line) => line.length > 60)).toEqual([]);
      expect(proseLines(pipe.stdout).filter((line) => line.length > 80)).toEqual([]);
      expect(proseLines(pipe.stdout).some((line) => line.length > 60)).toBe(true);
      // A header is never broken, however narrow.
      expect(narrow.stdout).toContain(
        "examples/gitops-repo/charts/billing/templates/migrate-job.yaml:3:1  warning  plain-job\n",
      );
    },
    BUDGET,
  );
});

describe("--fix and --fix-dry-run", () => {
  it(
    "--fix reports what it fixed and what is left, and --format json marks the fixed findings",
    async () => {
      cpSync(EXAMPLE, join(work, "text"), { recursive: true });
      cpSync(EXAMPLE, join(work, "json"), { recursive: true });

      const text = await runBinary(["scan", "--fix", "text"], { cwd: work });
      const json = await runBinary(["scan", "--fix", "--format", "json", "json"], { cwd: work });

      expect(text.code).toBe(0);
      expect(text.stdout).toMatch(
        /^Fixed 3 problems in 3 files:\n {2}text\/apps\/shop-api\/db-migrate-job\.yaml:4:1 {2}plain-job\n {4}Make the Job a PreSync hook/m,
      );
      expect(text.stdout).toContain("  text/kustomize/web/base/warm-cache-job.yaml:2:1  ttl-on-plain-job\n");
      expect(text.stdout.endsWith("\n3 problems fixed, none left in 17 files.\n")).toBe(true);
      expect(text.stdout).not.toContain("fixable with --fix");
      expect(text.stdout).not.toContain("@@");
      expect(readFileSync(join(work, "text/apps/shop-api/db-migrate-job.yaml"), "utf8")).toContain(
        "argocd.argoproj.io/hook: PreSync",
      );
      const report = JSON.parse(json.stdout) as JsonReport;
      expect(report.findings.map((f) => [f.file, f.fixed])).toEqual([
        ["apps/shop-api/db-migrate-job.yaml", true],
        ["charts/billing/templates/migrate-job.yaml", true],
        ["kustomize/web/base/warm-cache-job.yaml", true],
      ]);
    },
    BUDGET,
  );

  it(
    "--fix on a file it cannot write says so, and that finding is left",
    async () => {
      writeFileSync(join(work, "a.yaml"), job("a"));
      writeFileSync(join(work, "b.yaml"), job("b"));
      execFileSync("chmod", ["444", join(work, "a.yaml")]);

      const run = await runBinary(["scan", "--fix", "--fail-on", "warning"], { cwd: work });

      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(/^a\.yaml:2:1 {2}warning {2}plain-job$/m);
      expect(run.stdout).toMatch(/^Fixed 1 problem in 1 file:\n {2}b\.yaml:2:1 {2}plain-job$/m);
      expect(run.stdout).toMatch(/^1 file not fixed:\n {2}a\.yaml: /m);
      expect(run.stdout).toContain("1 problem fixed, 1 left (0 errors, 1 warning, 0 info) in 2 files.");
    },
    BUDGET,
  );

  it(
    "--fix-dry-run shows each diff once",
    async () => {
      const run = await runBinary(["scan", "--fix-dry-run", "examples/gitops-repo"]);

      expect(run.stdout.split("@@ -7,6 +7,9 @@").length - 1).toBe(1);
      expect(run.stdout.split("+    argocd.argoproj.io/hook: Sync\n").length - 1).toBe(1);
      expect(run.stdout).toContain(
        "\nFixes that --fix would apply:\n--- a/apps/shop-api/db-migrate-job.yaml\n",
      );
    },
    BUDGET,
  );
});

describe("a file as PATH", () => {
  it(
    "is scanned with the Applications of the repository it is in, and only its findings are reported",
    async () => {
      const repo = join(work, "repo");
      cpSync(EXAMPLE, repo, { recursive: true });
      execFileSync("git", ["init", "-q", repo]);

      const deployed = await runBinary(["scan", "repo/apps/shop-api/db-migrate-job.yaml"], { cwd: work });
      const notDeployed = await runBinary(["scan", "repo/legacy/old-job.yaml"], { cwd: work });
      const json = await runBinary(["scan", "--format", "json", "repo/apps/shop-api/db-migrate-job.yaml"], {
        cwd: work,
      });

      expect(deployed.stdout).toMatch(
        /^repo\/apps\/shop-api\/db-migrate-job\.yaml:4:1 {2}warning {2}plain-job$/m,
      );
      expect(deployed.stdout).toContain("1 problem (0 errors, 1 warning, 0 info) in 1 file;");
      // legacy/ is in no Application's path: were the file scanned alone, every manifest would count as deployed.
      expect(notDeployed.stdout).toBe("No problems found in 1 file.\n");
      const report = JSON.parse(json.stdout) as JsonReport;
      expect(report.findings.map((f) => f.file)).toEqual(["apps/shop-api/db-migrate-job.yaml"]);
      expect(report.files.scanned).toBe(1);
      expect(report.apps.length).toBe(4);
    },
    BUDGET,
  );

  it(
    "outside any git checkout, is scanned with its own directory",
    async () => {
      mkdirSync(join(work, "jobs"));
      writeFileSync(join(work, "jobs", "a.yaml"), job("a"));
      writeFileSync(join(work, "jobs", "b.yaml"), job("b"));

      const run = await runBinary(["scan", "jobs/a.yaml", "--format", "json"], { cwd: work });

      expect((JSON.parse(run.stdout) as JsonReport).findings.map((f) => f.file)).toEqual(["a.yaml"]);
    },
    BUDGET,
  );
});

describe("a directory with nothing to scan", () => {
  it(
    "says that nothing was scanned, exits 0, and 1 with --fail-on-empty",
    async () => {
      mkdirSync(join(work, "empty"));
      mkdirSync(join(work, "docs"));
      writeFileSync(join(work, "docs", "README.md"), "# not a manifest\n");

      const empty = await runBinary(["scan", "empty"], { cwd: work });
      const docs = await runBinary(["scan", "docs"], { cwd: work });
      const failing = await runBinary(["scan", "--fail-on-empty", "docs"], { cwd: work });
      const json = await runBinary(["scan", "--format", "json", "docs"], { cwd: work });

      expect(empty.code).toBe(0);
      expect(empty.stdout).toBe(
        "Nothing was scanned: no Kubernetes manifests (YAML or JSON files) were found.\n",
      );
      expect(docs.stdout).toBe(empty.stdout);
      expect(failing.code).toBe(1);
      expect(json.code).toBe(0);
      expect(json.stderr).toBe("argocd-job-guard: docs: nothing was scanned (no manifest found)\n");
    },
    BUDGET,
  );
});

describe("--base on a branch", () => {
  it(
    "compares with the merge base, so a Job changed only on the other branch is not this branch's change",
    async () => {
      const git = (...args: string[]) =>
        execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", "-C", work, ...args], {
          stdio: "pipe",
        });
      git("init", "-q", "-b", "main");
      writeFileSync(join(work, "migrate.yaml"), job("migrate", "app:1.0"));
      git("add", "-A");
      git("commit", "-q", "-m", "base");
      git("checkout", "-q", "-b", "feature");
      writeFileSync(join(work, "other.yaml"), job("other"));
      git("add", "-A");
      git("commit", "-q", "-m", "feature work");
      git("checkout", "-q", "main");
      writeFileSync(join(work, "migrate.yaml"), job("migrate", "app:2.0"));
      git("commit", "-q", "-am", "bump on main");
      git("checkout", "-q", "feature");

      const untouched = await runBinary(["scan", "--format", "json", "--base", "main"], { cwd: work });
      writeFileSync(join(work, "migrate.yaml"), job("migrate", "app:1.1"));
      const bumped = await runBinary(["scan", "--format", "json", "--base", "main"], { cwd: work });

      const rules = (run: { stdout: string }) =>
        (JSON.parse(run.stdout) as JsonReport).findings.map((f) => [f.file, f.rule]);
      expect(rules(untouched)).toEqual([
        ["migrate.yaml", "plain-job"],
        ["other.yaml", "plain-job"],
      ]);
      expect(rules(bumped)).toEqual([
        ["migrate.yaml", "immutable-change"],
        ["other.yaml", "plain-job"],
      ]);
      expect(bumped.code).toBe(1);
    },
    BUDGET,
  );
});
