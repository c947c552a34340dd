import { afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import {
  DONE_TTL_SECONDS,
  IN_FLIGHT_TTL_SECONDS,
  redisDeliveryClaims,
  type DeliveryClaims,
  type RedisLike,
} from "../../src/app/delivery-claims.js";
import { inProcessScanner } from "../../src/app/scanner.js";
import { createApp } from "../../src/index.js";
import { APP_ID, createTestProbot, examplePayload, setUpNock, tearDownNock } from "../helpers/github-mock.js";

/** Redis's SET NX EX and DEL over a map, each write's expiry recorded. */
function fakeRedis() {
  const values = new Map<string, { value: string; ttl: number }>();
  const redis: RedisLike = {
    set: (key: string, value: string, _ex: "EX", ttl: number, nx?: "NX") => {
      if (nx === "NX" && values.has(key)) return Promise.resolve(null);
      values.set(key, { value, ttl });
      return Promise.resolve("OK" as const);
    },
    del: (key: string) => Promise.resolve(values.delete(key) ? 1 : 0),
    quit: () => Promise.resolve("OK"),
  };
  return { redis, values };
}

describe("delivery claims in Redis", () => {
  it("gives a delivery to the first replica that claims it, for a bounded time", async () => {
    const { redis, values } = fakeRedis();
    const claims = redisDeliveryClaims(redis);

    expect(await claims.claim("d1")).toBe(true);
    expect(await claims.claim("d1")).toBe(false);
    expect(await claims.claim("d2")).toBe(true);
    expect(values.get("argocd-job-guard:delivery:d1")).toEqual({
      value: "in-flight",
      ttl: IN_FLIGHT_TTL_SECONDS,
    });
  });

  it("keeps a done delivery's claim for a day, and gives a failed one back for its redelivery", async () => {
    const { redis, values } = fakeRedis();
    const claims = redisDeliveryClaims(redis);
    await claims.claim("done");
    await claims.claim("failed");

    await claims.finish("done");
    await claims.release("failed");

    expect(values.get("argocd-job-guard:delivery:done")).toEqual({ value: "done", ttl: DONE_TTL_SECONDS });
    expect(await claims.claim("done")).toBe(false);
    expect(await claims.claim("failed")).toBe(true);
  });
});

describe("the app with shared delivery claims", () => {
  beforeEach(setUpNock);
  afterEach(() => expect(tearDownNock()).toEqual([]));

  const probotWith = (claims: DeliveryClaims) =>
    createTestProbot(createApp({ scanner: inProcessScanner, appId: APP_ID, claims }));

  function recordingClaims(taken: boolean) {
    const calls: string[] = [];
    const claims: DeliveryClaims = {
      claim: (id) => (calls.push(`claim ${id}`), Promise.resolve(!taken)),
      finish: (id) => (calls.push(`finish ${id}`), Promise.resolve()),
      release: (id) => (calls.push(`release ${id}`), Promise.resolve()),
      close: () => Promise.resolve(),
    };
    return { claims, calls };
  }

  it("skips a delivery another replica has taken, without a single GitHub request", async () => {
    const { claims, calls } = recordingClaims(true);
    const payload = examplePayload("push", (p) => p.installation !== undefined);

    // With the network refused and nothing mocked, any request would fail the delivery.
    await probotWith(claims).receive({ id: "taken", name: "push", payload } as never);

    expect(calls).toEqual(["claim taken:push"]);
  });

  it("gives the claim back when the delivery fails, so that GitHub's redelivery runs", async () => {
    const { claims, calls } = recordingClaims(false);
    const payload = { ...examplePayload("push", (p) => p.installation !== undefined), after: "not a sha" };

    await expect(probotWith(claims).receive({ id: "bad", name: "push", payload } as never)).rejects.toThrow(
      /after: not a commit sha/,
    );

    expect(calls).toEqual(["claim bad:push", "release bad:push"]);
  });
});
