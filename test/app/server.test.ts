import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { createHmac } from "node:crypto";
import { request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { MAX_WEBHOOK_BODY_BYTES, startServer, stopServer } from "../../src/server.js";
import { TEST_PRIVATE_KEY } from "../helpers/github-mock.js";

const SECRET = "server-secret";

/** Sends raw headers and a body of our choosing: fetch would compute Content-Length itself. */
function send(
  port: number,
  headers: Record<string, string | number>,
  body: string,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: "127.0.0.1", port, path: "/api/github/webhooks", method: "POST", headers },
      (res) => {
        let text = "";
        res.on("data", (chunk: Buffer) => (text += chunk.toString()));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

describe("the app's HTTP server", () => {
  let server: Server;
  let port: number;

  beforeAll(async () => {
    server = await startServer({
      port: 0,
      host: "127.0.0.1",
      env: { APP_ID: "123", PRIVATE_KEY: TEST_PRIVATE_KEY, WEBHOOK_SECRET: SECRET, LOG_LEVEL: "fatal" },
    });
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  const headers = { "content-type": "application/json", "x-github-event": "ping", "x-github-delivery": "1" };

  it("refuses a body declared over GitHub's 25 MB before reading it or checking its signature", async () => {
    const response = await send(
      port,
      { ...headers, "x-hub-signature-256": "sha256=00", "content-length": MAX_WEBHOOK_BODY_BYTES + 1 },
      "{}",
    );

    expect(response.status).toBe(413);
    expect(response.text).toContain("not a GitHub webhook");
  });

  it("refuses a body of undeclared length (GitHub always declares it)", async () => {
    const response = await send(
      port,
      { ...headers, "x-hub-signature-256": "sha256=00", "transfer-encoding": "chunked" },
      "{}",
    );

    expect(response.status).toBe(411);
  });

  it("passes a signed delivery of declared length to Probot, and rejects a bad signature", async () => {
    const body = JSON.stringify({ zen: "Keep it logically awesome.", hook_id: 1 });
    const signature = `sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}`;

    const good = await send(port, { ...headers, "x-hub-signature-256": signature }, body);
    const bad = await send(port, { ...headers, "x-hub-signature-256": "sha256=00" }, body);

    expect(good.status).toBe(200);
    expect(bad.status).toBe(400);
    // Refused before Probot saw it: the app's words (one log line), not Probot's stack trace.
    expect(bad.text).toBe('{"error":"signature does not match the webhook secret"}');
  });

  it("answers Probot's health check", async () => {
    const response = await fetch(`http://127.0.0.1:${port}/ping`);

    expect(response.status).toBe(200);
    expect(await response.text()).toBe("PONG");
  });
});

/** A promise the test settles by hand: nothing waits for time. */
function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((res) => (resolve = res));
  return { promise, resolve };
}

describe("stopping the server", () => {
  it("waits for the deliveries in flight before it closes, and takes no new ones", async () => {
    const started = deferred();
    const release = deferred();
    const server = await startServer({
      port: 0,
      host: "127.0.0.1",
      env: { APP_ID: "123", PRIVATE_KEY: TEST_PRIVATE_KEY, WEBHOOK_SECRET: SECRET, LOG_LEVEL: "fatal" },
      app: (probot) => {
        probot.on("ping", async () => {
          started.resolve();
          await release.promise;
        });
      },
    });
    const port = (server.address() as AddressInfo).port;
    const body = JSON.stringify({ zen: "Design for failure.", hook_id: 1 });
    const signature = `sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}`;
    const delivery = send(
      port,
      {
        "content-type": "application/json",
        "x-github-event": "ping",
        "x-github-delivery": "9",
        "x-hub-signature-256": signature,
      },
      body,
    );
    await started.promise;

    let stopped = false;
    const stopping = stopServer(server, 60_000).then((unfinished) => {
      stopped = true;
      return unfinished;
    });
    for (let i = 0; i < 20; i++) await Promise.resolve();
    expect(stopped).toBe(false);
    await expect(fetch(`http://127.0.0.1:${port}/ping`)).rejects.toThrow();

    release.resolve();
    expect((await delivery).status).toBe(200);
    expect(await stopping).toBe(0);
  });
});
