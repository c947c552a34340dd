import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { pathToFileURL } from "node:url";
import { createNodeMiddleware, createProbot, run } from "probot";
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

/**
 * The app's HTTP server: Probot's webhook middleware (signature checked, deliveries dispatched) behind the body
 * limit. Configured from the environment as `probot run` is (APP_ID, PRIVATE_KEY or PRIVATE_KEY_PATH,
 * WEBHOOK_SECRET, GHE_HOST, GHE_PROTOCOL, LOG_LEVEL, REDIS_URL, WEBHOOK_PATH).
 */
export async function startServer(
  options: { port?: number; host?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<Server> {
  const env = options.env ?? process.env;
  const probot = createProbot({ env });
  const middleware = await createNodeMiddleware(app, { probot, webhooksPath: env.WEBHOOK_PATH });
  const server = createServer((request, response) => {
    if (refuseUnboundedBody(request, response, MAX_WEBHOOK_BODY_BYTES)) return;
    void middleware(request, response, () => {
      response.writeHead(404, { "content-type": "application/json" }).end('{"error":"Not found"}');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 3000, options.host ?? "0.0.0.0", resolve);
  });
  probot.log.info(`Listening on ${JSON.stringify(server.address())}`);
  return server;
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
