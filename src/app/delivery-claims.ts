/**
 * Which replica acts on a webhook delivery. GitHub may send one delivery to several replicas (a redelivery, a retry
 * through a load balancer): the first to claim its id acts, the others skip it. A claim expires, so a replica that
 * dies mid-delivery does not hold the id for ever, and a failed delivery gives its claim back, so that GitHub's
 * "Redeliver" (which keeps the delivery id) runs it again.
 */
export interface DeliveryClaims {
  /** True when this replica may act on the delivery; false when another has it, or has done it. */
  claim(deliveryId: string): Promise<boolean>;
  /** The delivery is done: the claim is kept (for `doneTtlSeconds`) so that a late copy is skipped. */
  finish(deliveryId: string): Promise<void>;
  /** The delivery failed: the claim goes, so a redelivery runs. */
  release(deliveryId: string): Promise<void>;
  close(): Promise<void>;
}

/** The few Redis commands the claims use (ioredis's signatures). */
export interface RedisLike {
  set(key: string, value: string, ex: "EX", seconds: number, nx: "NX"): Promise<"OK" | null>;
  set(key: string, value: string, ex: "EX", seconds: number): Promise<"OK" | null>;
  del(key: string): Promise<number>;
  quit(): Promise<unknown>;
}

/** How long a replica may take over one delivery before another may claim it (a delivery's requests time out sooner). */
export const IN_FLIGHT_TTL_SECONDS = 15 * 60;
/** How long a done delivery is remembered: longer than any redelivery of the same copy in flight. */
export const DONE_TTL_SECONDS = 24 * 60 * 60;

const key = (deliveryId: string) => `argocd-job-guard:delivery:${deliveryId}`;

export function redisDeliveryClaims(redis: RedisLike): DeliveryClaims {
  return {
    claim: async (id) => (await redis.set(key(id), "in-flight", "EX", IN_FLIGHT_TTL_SECONDS, "NX")) === "OK",
    finish: async (id) => {
      await redis.set(key(id), "done", "EX", DONE_TTL_SECONDS);
    },
    release: async (id) => {
      await redis.del(key(id));
    },
    close: async () => {
      await redis.quit();
    },
  };
}

/**
 * The claims of `REDIS_URL`, shared by every replica that has it; none without it (one process works alone). ioredis
 * is loaded only then, as Probot loads it for its shared rate limits.
 */
export async function deliveryClaimsFromEnv(env: NodeJS.ProcessEnv): Promise<DeliveryClaims | null> {
  if (!env.REDIS_URL) return null;
  const { Redis } = await import("ioredis");
  const redis = new Redis(env.REDIS_URL, { maxRetriesPerRequest: 2, lazyConnect: false });
  return redisDeliveryClaims(redis);
}
