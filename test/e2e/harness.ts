import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateAppKey, startAppProcess, type AppProcess } from "../../dev/local-github/app-process.js";
import { LocalGitHub, type CheckRun } from "../../dev/local-github/server.js";

export const APP_ID = 4242;
export const REPO = "example-org/gitops-repo";
export const WEBHOOK_SECRET = "e2e-webhook-secret";
export const MIGRATION_JOB = "apps/shop-api/db-migrate-job.yaml";
const ROOT = join(import.meta.dirname, "..", "..");

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

/** The findings of the CLI on a checkout of `ref`: a clone of the local repository, scanned with the bundle. */
export function scanCheckout(github: LocalGitHub, ref: string): { rule: string; file: string }[] {
  const dir = mkdtempSync(join(tmpdir(), "e2e-checkout-"));
  try {
    execFileSync("git", ["clone", "--quiet", "--branch", ref, github.repository(REPO).git.dir, dir], {
      stdio: "ignore",
    });
    let out: string;
    try {
      out = execFileSync(
        process.execPath,
        [
          join(ROOT, "dist", "bundle", "argocd-job-guard.mjs"),
          "scan",
          ".",
          "--format",
          "json",
          "--repo-url",
          `https://github.com/${REPO}`,
        ],
        {
          cwd: dir,
          encoding: "utf8",
        },
      );
    } catch (error) {
      // Exit 1 means findings at error level: the JSON is on stdout all the same.
      out = (error as { stdout?: string }).stdout ?? "";
    }
    return (JSON.parse(out) as { findings: { rule: string; file: string }[] }).findings;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
