import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import type { AppProcess } from "../../dev/local-github/app-process.js";
import { completedCheckRun, pushImageBump, REPO, startApp, startWorld, type World } from "./harness.js";

/** redis-server from the Debian package (.ci/run installs it); CI sets REQUIRE_REDIS so that its absence fails. */
const hasRedis = spawnSync("redis-server", ["--version"]).status === 0;
if (!hasRedis && process.env.REQUIRE_REDIS)
  throw new Error("REQUIRE_REDIS is set but redis-server is not installed");
const describeWithRedis = hasRedis ? describe : describe.skip;
if (!hasRedis)
  console.warn("redis-server is not installed: the replicas test is skipped (.ci/run installs it)");

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** A throwaway redis-server on loopback, nothing written to disk. */
async function startRedis(): Promise<{ url: string; stop: () => Promise<void> }> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "e2e-redis-"));
  const child: ChildProcess = spawn(
    "redis-server",
    ["--bind", "127.0.0.1", "--port", String(port), "--save", "", "--appendonly", "no", "--dir", dir],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on("data", (chunk: Buffer) => {
      if (chunk.toString().includes("Ready to accept connections")) resolve();
    });
    child.once("exit", (code) => reject(new Error(`redis-server exited (${code})`)));
  });
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: async () => {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describeWithRedis("two replicas sharing Redis", () => {
  let redis: Awaited<ReturnType<typeof startRedis>>;
  let world: World;
  let second: AppProcess;

  beforeAll(async () => {
    redis = await startRedis();
    world = await startWorld({ REDIS_URL: redis.url });
    second = await startApp(world.github, world.privateKey, { REDIS_URL: redis.url });
  }, 60_000);

  afterAll(async () => {
    await second?.stop();
    await world?.close();
    await redis?.stop();
  });

  it("act once on a delivery both receive, and skip its later copies", async () => {
    const { github } = world;
    const push = await pushImageBump(github, "feature/replicas", "3.0.0");
    // The log line is written before the response, but reaches this process through another pipe: it is awaited,
    // not read at once (read at once, it was missing now and then on a loaded machine).
    const taken = (replica: AppProcess) =>
      replica.waitForLog((entry) => /taken by another replica: skipped/.test(String(entry.msg)), 30_000);

    const both = await Promise.all([
      github.deliver("push", push.payload, { delivery: "both-replicas" }),
      github.deliver("push", push.payload, { delivery: "both-replicas", url: second.webhookUrl }),
    ]);
    // 200, not 202 ("still processing"): each replica was done with the delivery, and had marked it done, when it
    // answered, so the copy below meets a finished claim.
    expect(both.map((response) => response.status)).toEqual([200, 200]);
    await completedCheckRun(github, push.after);
    const copy = await github.deliver("push", push.payload, {
      delivery: "both-replicas",
      url: second.webhookUrl,
    });

    expect(copy.status).toBe(200);
    expect(github.repository(REPO).checkRuns.filter((run) => run.head_sha === push.after)).toHaveLength(1);
    await expect(taken(second)).resolves.toBeDefined();
    expect(github.violations).toEqual([]);
  }, 90_000);

  it("keep the delivery claimed and Probot's rate-limit state in Redis", async () => {
    const client = new Redis(redis.url);
    try {
      expect(await client.get("argocd-job-guard:delivery:both-replicas:push")).toBe("done");
      expect(await client.ttl("argocd-job-guard:delivery:both-replicas:push")).toBeGreaterThan(0);
      // Bottleneck, which Probot's throttling runs on, keeps its clustered limiters under b_ keys.
      expect((await client.keys("b_*")).length).toBeGreaterThan(0);
    } finally {
      client.disconnect();
    }
  });

  it("share the work: a delivery to either replica is acted on", async () => {
    const { github } = world;
    const push = await pushImageBump(github, "feature/second-replica", "3.1.0");

    await github.deliver("push", push.payload, { url: second.webhookUrl });
    const run = await completedCheckRun(github, push.after);

    expect(run.annotations.length).toBeGreaterThan(0);
  }, 60_000);
});
