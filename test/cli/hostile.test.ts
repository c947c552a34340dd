import { afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import { execFileSync } from "node:child_process";
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli, type CliIo } from "../../src/cli/main.js";
import type { JsonReport } from "../../src/render/json.js";
import { recordingIo } from "../helpers/cli-io.js";

const job = (name: string) =>
  `apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: ${name}\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n`;
/** Root reads and writes whatever the mode bits say, so EACCES cases can only be produced as another user. */
const itUnlessRoot = process.getuid?.() === 0 ? it.skip : it;

let work: string;
let outside: string;

beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), "ajg-hostile-"));
  outside = mkdtempSync(join(tmpdir(), "ajg-outside-"));
});

afterEach(() => {
  for (const dir of [work, outside]) {
    chmodTree(dir);
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Three plain Jobs, each with a safe fix, none deployed by an Application (so every manifest counts). */
function threeJobs(): void {
  for (const name of ["a", "b", "c"]) writeFileSync(join(work, `${name}.yaml`), job(`job-${name}`));
}

async function fix(beforeFixWrite?: CliIo["beforeFixWrite"]) {
  const io = { ...recordingIo(work), ...(beforeFixWrite ? { beforeFixWrite } : {}) };
  const code = await runCli(["scan", "--fix", "--fail-on", "warning"], io);
  return { code, out: io.out(), err: io.err() };
}

describe("--fix never loses a byte nor writes outside the repository", () => {
  it("leaves a file edited between the scan and the write alone, says so, and still fixes the others", async () => {
    threeJobs();
    const edited = `${job("job-b")}# edited while the scan ran\n`;

    const { code, out } = await fix((path) => {
      if (path.endsWith("b.yaml")) writeFileSync(path, edited);
    });

    expect(readFileSync(join(work, "b.yaml"), "utf8")).toBe(edited);
    expect(readFileSync(join(work, "a.yaml"), "utf8")).toContain("argocd.argoproj.io/hook: Sync");
    expect(readFileSync(join(work, "c.yaml"), "utf8")).toContain("argocd.argoproj.io/hook: Sync");
    expect(out).toMatch(
      /Fixed 2 problems in 2 files:\n {2}a\.yaml:2:1 {2}plain-job\n[\s\S]*?\n {2}c\.yaml:2:1 {2}plain-job\n/,
    );
    expect(out).toContain("1 file not fixed:\n  b.yaml: it changed after it was read: not overwritten\n");
    // b.yaml's warning is still there: with --fail-on warning, the exit code says so.
    expect(code).toBe(1);
  });

  it("does not write through a file swapped for a symbolic link to outside the repository", async () => {
    threeJobs();
    const target = join(outside, "precious.yaml");
    writeFileSync(target, job("job-a"));

    const { code, out } = await fix((path) => {
      if (!path.endsWith("a.yaml")) return;
      rmSync(path);
      symlinkSync(target, path);
    });

    expect(readFileSync(target, "utf8")).toBe(job("job-a"));
    expect(out).toContain("a.yaml: it is now a symbolic link: not written through it");
    expect(readFileSync(join(work, "b.yaml"), "utf8")).toContain("argocd.argoproj.io/hook");
    expect(code).toBe(1);
  });

  it("does not write into a directory swapped for a symbolic link to outside the repository", async () => {
    mkdirSync(join(work, "jobs"));
    writeFileSync(join(work, "jobs", "a.yaml"), job("job-a"));
    writeFileSync(join(outside, "a.yaml"), job("job-a"));

    const { out } = await fix((path) => {
      renameSync(join(work, "jobs"), join(work, "moved"));
      symlinkSync(outside, join(work, "jobs"));
      expect(path).toBe(join(work, "jobs", "a.yaml"));
    });

    expect(readFileSync(join(outside, "a.yaml"), "utf8")).toBe(job("job-a"));
    expect(readdirSync(outside)).toEqual(["a.yaml"]);
    expect(out).toContain("jobs/a.yaml: a directory on its path is now a symbolic link");
  });

  it("reports a read-only file as not fixed, fixes the others, and keeps each file's mode", async () => {
    threeJobs();
    chmodSync(join(work, "a.yaml"), 0o444);
    chmodSync(join(work, "c.yaml"), 0o640);

    const { code, out } = await fix();

    expect(readFileSync(join(work, "a.yaml"), "utf8")).toBe(job("job-a"));
    expect(out).toContain("a.yaml: ");
    expect(out).toMatch(/1 file not fixed:\n {2}a\.yaml: (read-only file \(mode 0444\)|not writable)/);
    expect(out).toMatch(
      /Fixed 2 problems in 2 files:\n {2}b\.yaml:2:1 {2}plain-job\n[\s\S]*?\n {2}c\.yaml:2:1 {2}plain-job\n/,
    );
    expect(statSync(join(work, "c.yaml")).mode & 0o777).toBe(0o640);
    expect(readdirSync(work).sort()).toEqual(["a.yaml", "b.yaml", "c.yaml"]);
    expect(code).toBe(1);
  });

  itUnlessRoot(
    "reports a failed write (read-only directory; skipped as root) with no file left behind",
    async () => {
      mkdirSync(join(work, "locked"));
      writeFileSync(join(work, "locked", "a.yaml"), job("job-a"));
      writeFileSync(join(work, "b.yaml"), job("job-b"));
      chmodSync(join(work, "locked"), 0o555);

      const { code, out } = await fix();

      expect(out).toContain("locked/a.yaml: write failed: permission denied (EACCES)");
      expect(readdirSync(join(work, "locked"))).toEqual(["a.yaml"]);
      expect(readFileSync(join(work, "b.yaml"), "utf8")).toContain("argocd.argoproj.io/hook");
      expect(code).toBe(1);
    },
  );

  it("with --format json, prints the report on stdout and the files not fixed on stderr", async () => {
    threeJobs();
    chmodSync(join(work, "a.yaml"), 0o444);
    const io = recordingIo(work);

    await runCli(["scan", "--fix", "--format", "json"], io);

    expect((JSON.parse(io.out()) as JsonReport).findings).toHaveLength(3);
    expect(io.err()).toContain("1 file not fixed:\n  a.yaml: ");
  });
});

describe("one bad entry never aborts the scan", () => {
  it("lists a FIFO, symbolic links (one to /dev/zero) and non-UTF-8 names as skipped, and scans the rest", async () => {
    writeFileSync(join(work, "good.yaml"), job("good"));
    execFileSync("mkfifo", [join(work, "pipe.yaml")]);
    symlinkSync("/dev/zero", join(work, "zero.yaml"));
    symlinkSync(join(outside, "x.yaml"), join(work, "link.yaml"));
    writeFileSync(
      Buffer.concat([Buffer.from(`${work}/bad-`), Buffer.from([0xff]), Buffer.from(".yaml")]),
      job("x"),
    );
    mkdirSync(Buffer.concat([Buffer.from(`${work}/dir-`), Buffer.from([0xfe])]));
    const io = recordingIo(work);

    const code = await runCli(["scan", "--format", "json"], io);

    const report = JSON.parse(io.out()) as JsonReport;
    expect(code).toBe(0);
    expect(report.findings.map((f) => f.file)).toEqual(["good.yaml"]);
    expect(report.files.skipped).toEqual([
      { file: "bad-\uFFFD.yaml", reason: "name is not valid UTF-8: not read" },
      { file: "dir-\uFFFD", reason: "name is not valid UTF-8: not read" },
      { file: "link.yaml", reason: expect.stringContaining("symbolic link") as unknown as string },
      { file: "pipe.yaml", reason: "a named pipe (FIFO), not a regular file: not read" },
      { file: "zero.yaml", reason: expect.stringContaining("symbolic link") as unknown as string },
    ]);
  });

  itUnlessRoot("lists an unreadable file and directory as skipped (EACCES; skipped as root)", async () => {
    writeFileSync(join(work, "good.yaml"), job("good"));
    writeFileSync(join(work, "secret.yaml"), job("secret"));
    mkdirSync(join(work, "private"));
    writeFileSync(join(work, "private", "job.yaml"), job("private"));
    chmodSync(join(work, "secret.yaml"), 0o000);
    chmodSync(join(work, "private"), 0o000);
    const io = recordingIo(work);

    const code = await runCli(["scan", "--format", "json"], io);

    const report = JSON.parse(io.out()) as JsonReport;
    expect(code).toBe(0);
    expect(report.findings.map((f) => f.file)).toEqual(["good.yaml"]);
    expect(report.files.skipped).toEqual([
      { file: "private", reason: "directory not read: permission denied (EACCES)" },
      { file: "secret.yaml", reason: "not read: permission denied (EACCES)" },
    ]);
  });

  it.each([
    ["a directory", (path: string) => mkdirSync(path), "a directory, not a regular file"],
    ["a FIFO", (path: string) => execFileSync("mkfifo", [path]), "a named pipe (FIFO), not a regular file"],
    ["/dev/zero", (path: string) => symlinkSync("/dev/zero", path), "a character device, not a regular file"],
    [
      "over 1 MiB",
      (path: string) => writeFileSync(path, `# ${"x".repeat(1024 * 1024)}\n`),
      "larger than 1 MiB",
    ],
  ])(
    "a repository config that is %s is an error (exit 2), not a fallback to the defaults",
    async (_, make, reason) => {
      writeFileSync(join(work, "good.yaml"), job("good"));
      mkdirSync(join(work, ".github"));
      make(join(work, ".github", "argocd-job-guard.yml"));
      const io = recordingIo(work);

      const code = await runCli(["scan"], io);

      expect(code).toBe(2);
      expect(io.err()).toContain(
        `cannot read config ${join(work, ".github", "argocd-job-guard.yml")}: ${reason}`,
      );
      expect(io.out()).toBe("");
    },
  );

  it("--config /dev/zero and --config DIRECTORY are errors, not hangs", async () => {
    const zero = recordingIo(work);
    const dir = recordingIo(work);

    expect(await runCli(["scan", "--config", "/dev/zero"], zero)).toBe(2);
    expect(await runCli(["scan", "--config", outside], dir)).toBe(2);

    expect(zero.err()).toContain("cannot read config /dev/zero: a character device, not a regular file");
    expect(dir.err()).toContain(`cannot read config ${outside}: a directory, not a regular file`);
  });

  it.each(["constructor", "toString", "__proto__"])("--fail-on %s is a usage error", async (level) => {
    const io = recordingIo(work);

    expect(await runCli(["scan", "--fail-on", level], io)).toBe(2);
    expect(io.err()).toContain("--fail-on must be one of error, warning, info");
  });
});

describe("the engine's notes reach every output format", () => {
  beforeEach(() => {
    // No Application deploys from this repository: every manifest is assumed deployed, and the output says so.
    writeFileSync(join(work, "job.yaml"), job("x"));
  });

  const ASSUMED = "every manifest was assumed to be deployed by Argo CD";

  it("text", async () => {
    const io = recordingIo(work, false, false, { env: { COLUMNS: "1000" } });
    await runCli(["scan"], io);
    expect(io.out()).toMatch(new RegExp(`^note: .*${ASSUMED}`, "m"));
  });

  it("json", async () => {
    const io = recordingIo(work);
    await runCli(["scan", "--format", "json"], io);
    expect((JSON.parse(io.out()) as JsonReport).notes).toEqual([expect.stringContaining(ASSUMED)]);
  });

  it("sarif, as a tool execution notification", async () => {
    const io = recordingIo(work);
    await runCli(["scan", "--format", "sarif"], io);
    const log = JSON.parse(io.out()) as {
      runs: {
        invocations: { toolExecutionNotifications: { level: string; message: { text: string } }[] }[];
      }[];
    };
    expect(log.runs[0]?.invocations[0]?.toolExecutionNotifications).toEqual([
      { level: "note", message: { text: expect.stringContaining(ASSUMED) as unknown as string } },
    ]);
  });

  it("github, as a notice", async () => {
    const io = recordingIo(work);
    await runCli(["scan", "--format", "github"], io);
    expect(io.out()).toMatch(new RegExp(`^::notice title=argocd-job-guard%3A note::.*${ASSUMED}`, "m"));
  });

  it("an Application's own notes (a remote kustomize resource) too", async () => {
    mkdirSync(join(work, "overlay"));
    writeFileSync(
      join(work, "overlay", "kustomization.yaml"),
      "resources:\n  - https://github.com/other/repo//base?ref=v1\n  - ../job.yaml\n",
    );
    writeFileSync(
      join(work, "app.yaml"),
      "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: web\nspec:\n  source:\n    repoURL: https://github.com/me/gitops.git\n    path: overlay\n",
    );
    const outputs = await Promise.all(
      ["text", "json", "sarif", "github"].map(async (format) => {
        const io = recordingIo(work);
        await runCli(["scan", "--format", format, "--repo-url", "https://github.com/me/gitops.git"], io);
        return io.out();
      }),
    );
    for (const out of outputs) {
      expect(out).toContain("remote kustomize resource");
      expect(out).toContain("https://github.com/other/repo//base?ref=v1");
    }
  });
});

describe("terminal safety", () => {
  const ESC = "\u001b";
  /* eslint-disable no-control-regex -- these look for control characters */
  const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
  /** The renderer's own colours, on a terminal (SGR sequences only: a title or clear-screen sequence stays). */
  const OUR_COLOURS = /\u001b\[[0-9;]*m/g;
  /* eslint-enable no-control-regex */

  beforeEach(() => {
    // YAML's double-quoted escapes put control characters and a line break into the Job's name.
    writeFileSync(
      join(work, `${ESC}[31mred.yaml`),
      `apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: "evil\\e]0;owned\\e\\\\\\e[2J\\x9b31m\\u202e\\n::error::forged 100%\\r,x:y"\nspec: {}\n`,
    );
  });

  it("text output shows control characters as escapes, on a terminal or not", async () => {
    for (const tty of [false, true]) {
      const io = recordingIo(work, tty);

      await runCli(["scan", "--fail-on", "info"], io);

      const shown = io.out().replaceAll(OUR_COLOURS, "");
      expect(shown).not.toMatch(UNSAFE);
      expect(shown).toContain("\\x1b[31mred.yaml:");
      expect(shown).toContain(
        "evil\\x1b]0;owned\\x1b\\\\x1b[2J\\x9b31m\\u202e\\n::error::forged 100%\\r,x:y",
      );
      expect(shown.split("\n").some((line) => line.startsWith("::error::"))).toBe(false);
    }
  });

  it("--fix-dry-run diffs and --fix reports are escaped too", async () => {
    const dry = recordingIo(work);
    const fixed = recordingIo(work);

    await runCli(["scan", "--fix-dry-run"], dry);
    await runCli(["scan", "--fix"], fixed);

    expect(dry.out()).toContain("Fixes that --fix would apply:");
    expect(dry.out()).not.toContain(ESC);
    expect(fixed.out()).not.toContain(ESC);
  });

  it("github output escapes %, CR, LF (and : , in properties): no name or message starts a new command", async () => {
    const io = recordingIo(work);

    await runCli(["scan", "--format", "github"], io);

    const lines = io.out().trimEnd().split("\n");
    expect(lines.every((line) => /^::(error|warning|notice) /.test(line))).toBe(true);
    expect(lines.some((line) => line.startsWith("::error::forged"))).toBe(false);
    expect(io.out()).not.toContain("\r");
    expect(io.out()).not.toMatch(UNSAFE);
    const finding = lines.find((line) => line.startsWith("::warning file="));
    expect(finding).toContain("file=\\x1b[31mred.yaml,");
    expect(finding).toContain("%0A::error::forged 100%25%0D,x:y");
  });

  it("github properties escape : and , in a file name", async () => {
    writeFileSync(join(work, "a,b:c%.yaml"), job("x"));
    const io = recordingIo(work);

    await runCli(["scan", "--format", "github"], io);

    expect(io.out()).toContain("file=a%2Cb%3Ac%25.yaml,line=2");
  });
});

/** Undoes the chmods of a test, so that the temporary directories can be removed. */
function chmodTree(dir: string): void {
  try {
    chmodSync(dir, 0o755);
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory() && !entry.isSymbolicLink()) chmodTree(path);
      else if (entry.isFile()) chmodSync(path, 0o644);
    }
  } catch {
    // A test may have removed the directory already.
  }
}
