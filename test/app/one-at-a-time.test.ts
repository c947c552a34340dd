import { describe, expect, it } from "@jest/globals";
import { OneAtATime } from "../../src/app/one-at-a-time.js";

/** A promise the test settles by hand: nothing waits for time. */
function deferred<T = void>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe("tasks of one key run one after another", () => {
  it("the second starts only when the first is done, even when the first fails; other keys do not wait", async () => {
    const queue = new OneAtATime();
    const log: string[] = [];
    const first = deferred();
    const one = queue.run("pr#1", async () => {
      log.push("first starts");
      await first.promise;
      log.push("first ends");
      throw new Error("first failed");
    });
    const two = queue.run("pr#1", () => {
      log.push("second runs");
      return Promise.resolve(2);
    });
    const other = queue.run("pr#2", () => {
      log.push("other key runs");
      return Promise.resolve("x");
    });

    await other;
    expect(log).toEqual(["first starts", "other key runs"]);
    first.resolve();
    await expect(one).rejects.toThrow("first failed");
    await expect(two).resolves.toBe(2);
    expect(log).toEqual(["first starts", "other key runs", "first ends", "second runs"]);
    await Promise.resolve();
    await Promise.resolve();
    expect(queue.busyKeys).toBe(0);
  });
});
