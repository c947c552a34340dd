import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { generateAppKey, startAppProcess, type AppProcess } from "../../dev/local-github/app-process.js";
import { LocalGitHub } from "../../dev/local-github/server.js";
import { APP_ID, completedCheckRun, pushImageBump, REPO, WEBHOOK_SECRET } from "./harness.js";

const ROOT = resolve(import.meta.dirname, "../..");

/**
 * What the Docker image runs: the server bundled by scripts/bundle-app.js into a directory with no node_modules,
 * started from there. (This machine cannot build the image itself: no daemon, no registry.) It must work as
 * dist/server.js does, answer its health check, refuse a bad signature in one log line, and exit cleanly on
 * SIGTERM.
 */
describe("the app's image bundle, against a local GitHub", () => {
  let bundle: string;
  let github: LocalGitHub;
  let app: AppProcess;

  beforeAll(async () => {
    bundle = mkdtempSync(join(tmpdir(), "app-bundle-"));
    execFileSync(process.execPath, [join(ROOT, "scripts", "bundle-app.js"), bundle], { stdio: "ignore" });
    const privateKey = generateAppKey();
    github = await LocalGitHub.start({ app: { id: APP_ID, slug: "argocd-job-guard", privateKey } });
    await github.createRepository(REPO, {
      from: join(ROOT, "examples", "gitops-repo"),
      permissions: { alice: "write" },
    });
    app = await startAppProcess({
      appId: APP_ID,
      privateKey,
      webhookSecret: WEBHOOK_SECRET,
      githubHost: github.host,
      entry: join(bundle, "server.js"),
    });
    github.setWebhook({ url: app.webhookUrl, secret: WEBHOOK_SECRET });
  }, 120_000);

  afterAll(async () => {
    if (app && app.child.exitCode === null) await app.stop();
    await github?.close();
    rmSync(bundle, { recursive: true, force: true });
  });

  it("answers /ping and a push with its check run", async () => {
    const ping = await fetch(`http://127.0.0.1:${app.port}/ping`);
    const push = await pushImageBump(github, "feature/image", "2.0.0");

    await github.deliver("push", push.payload);
    const run = await completedCheckRun(github, push.after);

    expect(await ping.text()).toBe("PONG");
    expect(run.annotations.length).toBeGreaterThan(0);
    expect(github.violations).toEqual([]);
  }, 60_000);

  it("refuses a delivery with a bad signature, saying so in one log line", async () => {
    github.setWebhook({ url: app.webhookUrl, secret: "not-the-secret" });
    const refused = await github.deliver("ping", { zen: "x", hook_id: 1 }, { delivery: "bad-signature" });
    github.setWebhook({ url: app.webhookUrl, secret: WEBHOOK_SECRET });

    const line = await app.waitForLog((entry) => String(entry.msg).includes("bad-signature"));
    expect(refused.status).toBe(400);
    expect(line.msg).toBe(
      "webhook delivery bad-signature (ping) refused: its signature does not match the webhook secret",
    );
    expect(app.logs.filter((entry) => JSON.stringify(entry).includes("bad-signature"))).toHaveLength(1);
  }, 30_000);

  it("exits 0 on SIGTERM", async () => {
    expect(await app.stop()).toBe(0);
    expect(app.stderr()).toBe("");
  }, 30_000);
});
