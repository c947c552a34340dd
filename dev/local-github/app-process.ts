import { spawn, type ChildProcess } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { EventEmitter } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";

/** The repository root (dev/local-github/ in the sources, dist/dev/local-github/ once compiled). */
const ROOT = resolve(
  import.meta.dirname,
  import.meta.dirname.includes(`${join("dist", "dev")}`) ? "../../.." : "../..",
);

/** An RSA key as GitHub gives an app's (PKCS#1 PEM): the app signs its JWTs with it, the local GitHub checks them. */
export function generateAppKey(): string {
  return generateKeyPairSync("rsa", {
    modulusLength: 2048,
    privateKeyEncoding: { type: "pkcs1", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "pem" },
  }).privateKey;
}

export interface AppProcess {
  /** The webhook URL of this process. */
  webhookUrl: string;
  port: number;
  /** Every log line the app wrote (JSON, one object each), in order. */
  logs: Record<string, unknown>[];
  /** Resolves with the first log line (past or future) that `predicate` accepts; rejects after `timeoutMs`. */
  waitForLog: (
    predicate: (entry: Record<string, unknown>) => boolean,
    timeoutMs?: number,
  ) => Promise<Record<string, unknown>>;
  /** stderr, as text: a crash's stack trace lands here. */
  stderr: () => string;
  child: ChildProcess;
  /** SIGTERM, then waits for the exit; resolves with its code. */
  stop: () => Promise<number | null>;
  exited: Promise<number | null>;
}

/**
 * Starts the real server as `npm start` does (`node dist/server.js`, built beforehand), configured only through its
 * environment: the app's id and key, the webhook secret, GHE_HOST/GHE_PROTOCOL pointing at a local GitHub. It runs
 * in an empty directory, so a developer's `.env` cannot change it. Resolves once it listens (its "Listening on" line
 * is read for the port: LOG_LEVEL must stay at info or below).
 */
export async function startAppProcess(options: {
  appId: number;
  privateKey: string;
  webhookSecret: string;
  githubHost: string;
  env?: Record<string, string>;
  /** The server module to run: by default dist/server.js; the Docker image's bundle (scripts/bundle-app.js) too. */
  entry?: string;
}): Promise<AppProcess> {
  const cwd = mkdtempSync(join(tmpdir(), "app-process-"));
  const child = spawn(process.execPath, [options.entry ?? join(ROOT, "dist", "server.js")], {
    cwd,
    env: {
      PATH: process.env.PATH ?? "",
      NODE_ENV: "production",
      APP_ID: String(options.appId),
      PRIVATE_KEY: options.privateKey,
      WEBHOOK_SECRET: options.webhookSecret,
      GHE_HOST: options.githubHost,
      GHE_PROTOCOL: "http",
      HOST: "127.0.0.1",
      PORT: "0",
      LOG_LEVEL: "info",
      LOG_FORMAT: "json",
      ...options.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const logs: Record<string, unknown>[] = [];
  const logged = new EventEmitter();
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  // "close", not "exit": it comes once stdout and stderr are drained, so what is read after it is all the app wrote.
  const exited = new Promise<number | null>((done) => child.once("close", (code) => done(code))).finally(() =>
    rmSync(cwd, { recursive: true, force: true }),
  );
  const port = await new Promise<number>((done, fail) => {
    const lines = createInterface({ input: child.stdout });
    lines.on("line", (line) => {
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line) as Record<string, unknown>;
      } catch {
        entry = { msg: line };
      }
      logs.push(entry);
      logged.emit("line", entry);
      const listening = /^Listening on (.*)$/.exec(typeof entry.msg === "string" ? entry.msg : "");
      if (listening?.[1]) done((JSON.parse(listening[1]) as { port: number }).port);
    });
    void exited.then((code) => fail(new Error(`the app exited (${code}) before listening:\n${stderr}`)));
  });
  return {
    webhookUrl: `http://127.0.0.1:${port}/api/github/webhooks`,
    port,
    logs,
    stderr: () => stderr,
    waitForLog: (predicate, timeoutMs = 60_000) =>
      new Promise((done, fail) => {
        const found = logs.find(predicate);
        if (found) return done(found);
        const timer = setTimeout(() => {
          logged.off("line", check);
          fail(new Error(`no such log line within ${timeoutMs} ms`));
        }, timeoutMs);
        const check = (entry: Record<string, unknown>) => {
          if (!predicate(entry)) return;
          clearTimeout(timer);
          logged.off("line", check);
          done(entry);
        };
        logged.on("line", check);
      }),
    child,
    exited,
    stop: async () => {
      if (child.exitCode === null) child.kill("SIGTERM");
      return exited;
    },
  };
}
