import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { pathToFileURL } from "node:url";
import { verify } from "@octokit/webhooks-methods";
import { createNodeMiddleware, createProbot, run, type ApplicationFunction } from "probot";
import app from "./index.js";

/** GitHub caps webhook payloads at 25 MB: a bigger body is not from GitHub. */
export const MAX_WEBHOOK_BODY_BYTES = 25 * 1024 * 1024;

/**
 * Refuses, before a byte of it is read or any signature computed, a body larger than GitHub ever sends, or one
 * whose length is not declared (GitHub always sends Content-Length). Returns true when it answered.
 */
export function refuseUnboundedBody(
  request: IncomingMessage,
  response: ServerResponse,
  maxBytes: number,
): boolean {
  if (request.method !== "POST") return false;
  const declared = request.headers["content-length"];
  const status = declared === undefined ? 411 : Number(declared) > maxBytes ? 413 : 0;
  if (status === 0) return false;
  response.writeHead(status, { "content-type": "application/json", connection: "close" });
  response.end(
    JSON.stringify({
      error: status === 411 ? "Content-Length required" : `body over ${maxBytes} bytes: not a GitHub webhook`,
    }),
  );
  // The rest of the body is never read: the connection goes once the answer is out.
  response.on("finish", () => request.destroy());
  return true;
}

/** Probot's health route: load balancers and the Docker image's health check ask it. */
const PING_PATH = "/ping";
const DEFAULT_WEBHOOK_PATH = "/api/github/webhooks";
/** Kubernetes gives a pod 30 s between SIGTERM and SIGKILL: finish within that. */
export const SHUTDOWN_GRACE_MS = 25_000;

const deliveriesInFlight = new WeakMap<Server, Set<Promise<void>>>();

export interface ServerOptions {
  port?: number;
  host?: string;
  env?: NodeJS.ProcessEnv;
  /** The Probot app to serve; the real one unless a test brings its own. */
  app?: ApplicationFunction;
}

/**
 * The app's HTTP server: Probot's webhook middleware (signature checked, deliveries dispatched) behind the body
 * limit, and `/ping`. Configured from the environment as `probot run` is (APP_ID, PRIVATE_KEY or PRIVATE_KEY_PATH,
 * WEBHOOK_SECRET, GHE_HOST, GHE_PROTOCOL, LOG_LEVEL, LOG_FORMAT, REDIS_URL, WEBHOOK_PATH).
 */
export async function startServer(options: ServerOptions = {}): Promise<Server> {
  const env = options.env ?? process.env;
  const probot = createProbot({ env });
  const webhooksPath = env.WEBHOOK_PATH ?? DEFAULT_WEBHOOK_PATH;
  const middleware = await createNodeMiddleware(options.app ?? app, { probot, webhooksPath });
  const secret = env.WEBHOOK_SECRET;
  const inFlight = new Set<Promise<void>>();

  const serve = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const path = (request.url ?? "").split("?")[0];
    if (request.method === "POST" && path === webhooksPath && secret) {
      // Checked here first only to say a refusal in one line: Probot logs a stack trace and the whole payload.
      const body = await readBody(request, MAX_WEBHOOK_BODY_BYTES);
      const signature = request.headers["x-hub-signature-256"];
      if (body === null || typeof signature !== "string" || !(await verify(secret, body, signature))) {
        probot.log.warn(
          `webhook delivery ${String(request.headers["x-github-delivery"] ?? "?")} (${String(request.headers["x-github-event"] ?? "?")}) refused: ${body === null ? "its body is longer than it said" : "its signature does not match the webhook secret"}`,
        );
        response
          .writeHead(400, { "content-type": "application/json" })
          .end('{"error":"signature does not match the webhook secret"}');
        return;
      }
      (request as IncomingMessage & { body?: string }).body = body;
    }
    await middleware(request, response, () => {
      response.writeHead(404, { "content-type": "application/json" }).end('{"error":"Not found"}');
    });
  };

  const server = createServer((request, response) => {
    if (request.method === "GET" && request.url === PING_PATH) {
      response.writeHead(200, { "content-type": "text/plain" }).end("PONG");
      return;
    }
    if (refuseUnboundedBody(request, response, MAX_WEBHOOK_BODY_BYTES)) return;
    const delivery = serve(request, response)
      .catch((error: unknown) => {
        probot.log.error(error, "webhook request failed");
        if (!response.headersSent) response.writeHead(500).end();
      })
      .finally(() => inFlight.delete(delivery));
    inFlight.add(delivery);
  });
  deliveriesInFlight.set(server, inFlight);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 3000, options.host ?? "0.0.0.0", resolve);
  });
  probot.log.info(`Listening on ${JSON.stringify(server.address())}`);
  return server;
}

/**
 * Stops taking requests and waits for the deliveries in flight to finish (their check runs completed, their
 * writes done), at most `graceMs`; then closes the connections left. Returns how many deliveries did not finish.
 */
export async function stopServer(server: Server, graceMs = SHUTDOWN_GRACE_MS): Promise<number> {
  const inFlight = deliveriesInFlight.get(server) ?? new Set<Promise<void>>();
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, graceMs);
    timer.unref();
  });
  await Promise.race([Promise.all([...inFlight]), expired]);
  clearTimeout(timer);
  const unfinished = inFlight.size;
  server.closeAllConnections();
  await closed;
  return unfinished;
}

/** The body, or null when it runs past `maxBytes` (a declared length that lied). */
function readBody(request: IncomingMessage, maxBytes: number): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        resolve(null);
        request.destroy();
      } else chunks.push(chunk);
    });
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    request.on("error", reject);
  });
}

/** `npm start`: the server, or, before the app is registered (no credentials), Probot's setup page. */
async function main(): Promise<void> {
  try {
    process.loadEnvFile(".env");
  } catch {
    // No .env: the environment alone configures the app.
  }
  const env = process.env;
  if (!env.APP_ID || !(env.PRIVATE_KEY || env.PRIVATE_KEY_PATH)) {
    await run(app);
    return;
  }
  // PORT=0 takes a free port (the log line says which): end-to-end tests start several servers at once.
  const port = env.PORT ? Number(env.PORT) : 3000;
  const server = await startServer({ port, ...(env.HOST ? { host: env.HOST } : {}), env });
  // Docker, Kubernetes and systemd stop with SIGTERM: finish the deliveries in flight (a check run left "in
  // progress" would spin for ever), then exit.
  process.once("SIGTERM", () => {
    void stopServer(server).then((unfinished) => {
      if (unfinished > 0) console.error(`argocd-job-guard: stopped with ${unfinished} deliveries unfinished`);
      process.exit(unfinished > 0 ? 1 : 0);
    });
  });
  if (env.WEBHOOK_PROXY_URL) {
    // smee-client is a development dependency: the proxy is for running on a laptop, never in production.
    const { default: SmeeClient } = await import("smee-client");
    await new SmeeClient({
      source: env.WEBHOOK_PROXY_URL,
      target: `http://localhost:${(server.address() as AddressInfo).port}${env.WEBHOOK_PATH ?? "/api/github/webhooks"}`,
      logger: console,
    }).start();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
