import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateAppKey, startAppProcess, type AppProcess } from "../../dev/local-github/app-process.js";
import { LocalGitHub, type CheckRun } from "../../dev/local-github/server.js";

export const APP_ID = 4242;
export const REPO = "example-org/gitops-repo";
export const WEBHOOK_SECRET = "e2e-webhook-secret";
export const MIGRATION_JOB = "apps/shop-api/db-migrate-job.yaml";
const ROOT = join(import.meta.dirname, "..", "..");
const CLI = join(ROOT, "dist", "bundle", "argocd-job-guard.mjs");

export interface World {
  github: LocalGitHub;
  app: AppProcess;
  privateKey: string;
  close: () => Promise<void>;
}

/**
 * A local GitHub holding a copy of examples/gitops-repo (alice may push, mallory may only read) and the real
 * server (dist/server.js, built by `npm test` before jest runs) configured against it.
 */
export async function startWorld(env: Record<string, string> = {}): Promise<World> {
  const privateKey = generateAppKey();
  const github = await LocalGitHub.start({ app: { id: APP_ID, slug: "argocd-job-guard", privateKey } });
  await github.createRepository(REPO, {
    from: join(ROOT, "examples", "gitops-repo"),
    permissions: { alice: "write", mallory: "read" },
  });
  const app = await startApp(github, privateKey, env);
  github.setWebhook({ url: app.webhookUrl, secret: WEBHOOK_SECRET });
  return {
    github,
    app,
    privateKey,
    close: async () => {
      await app.stop();
      await github.close();
    },
  };
}

export function startApp(
  github: LocalGitHub,
  privateKey: string,
  env: Record<string, string> = {},
): Promise<AppProcess> {
  return startAppProcess({
    appId: APP_ID,
    privateKey,
    webhookSecret: WEBHOOK_SECRET,
    githubHost: github.host,
    env,
  });
}

/** Alice's push: the migration Job's image bumped on `branch`. */
export async function pushImageBump(github: LocalGitHub, branch: string, tag: string) {
  const current = (await github.fileAt(REPO, branch === "main" ? "main" : "main", MIGRATION_JOB)) ?? "";
  const bumped = current.replace(/shop-api:[\w.]+/, `shop-api:${tag}`);
  const push = await github.commit(
    REPO,
    branch,
    { [MIGRATION_JOB]: bumped },
    `Bump shop-api migrations to ${tag}`,
  );
  return { ...push, payload: await github.pushPayload(REPO, { branch, ...push }) };
}

/** The completed check run on a commit, once there is one. */
export function completedCheckRun(github: LocalGitHub, sha: string, timeoutMs = 60_000): Promise<CheckRun> {
  return github.waitFor(
    () => github.repository(REPO).checkRuns.find((run) => run.head_sha === sha && run.status === "completed"),
    timeoutMs,
    `a completed check run on ${sha.slice(0, 7)}`,
  );
}

/** A file of a checkout of `ref` after `argocd-job-guard scan --fix`. */
export function fixedByCli(github: LocalGitHub, ref: string, path: string): string {
  return inCheckout(github, ref, (dir) => {
    try {
      execFileSync(
        process.execPath,
        [CLI, "scan", ".", "--fix", "--repo-url", `https://github.com/${REPO}`],
        {
          cwd: dir,
          stdio: "ignore",
        },
      );
    } catch {
      // Exit 1: findings at error level remain; the files are fixed all the same.
    }
    return readFileSync(join(dir, path), "utf8");
  });
}

function inCheckout<T>(github: LocalGitHub, ref: string, use: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), "e2e-checkout-"));
  try {
    execFileSync("git", ["clone", "--quiet", "--branch", ref, github.repository(REPO).git.dir, dir], {
      stdio: "ignore",
    });
    return use(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The findings of the CLI on a checkout of `ref`: a clone of the local repository, scanned with the bundle. */
export function scanCheckout(github: LocalGitHub, ref: string): { rule: string; file: string }[] {
  return inCheckout(github, ref, (dir) => {
    let out: string;
    try {
      out = execFileSync(
        process.execPath,
        [CLI, "scan", ".", "--format", "json", "--repo-url", `https://github.com/${REPO}`],
        { cwd: dir, encoding: "utf8" },
      );
    } catch (error) {
      // Exit 1 means findings at error level: the JSON is on stdout all the same.
      out = (error as { stdout?: string }).stdout ?? "";
    }
    return (JSON.parse(out) as { findings: { rule: string; file: string }[] }).findings;
  });
}

/** A file's text with the review's suggestions committed, as GitHub's "Commit suggestion" does for each. */
export function applySuggestions(
  text: string,
  comments: readonly { line: number | null; start_line: number | null; body: string }[],
): string {
  const lines = text.split("\n");
  const suggestions = comments
    .map((c) => ({
      end: c.line ?? 0,
      start: c.start_line ?? c.line ?? 0,
      body: /(`{3,})suggestion\n([^]*?)\n\1/.exec(c.body)?.[2],
    }))
    .filter((s): s is { end: number; start: number; body: string } => s.body !== undefined)
    .sort((a, b) => b.start - a.start);
  for (const s of suggestions) lines.splice(s.start - 1, s.end - s.start + 1, ...s.body.split("\n"));
  return lines.join("\n");
}
