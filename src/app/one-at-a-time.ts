/**
 * Runs tasks that share a key one after another, in the order they came, within this process. Two deliveries for
 * one pull request (`opened` and a quick `synchronize`, or a redelivery) would otherwise both read "no comment
 * yet" and both post: serialized, the second reads what the first wrote. Across replicas, the delivery lock of the
 * Redis setup keeps one delivery to one process; this covers distinct deliveries on one process.
 */
export class OneAtATime {
  private readonly tails = new Map<string, Promise<void>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(task, task);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    // The map holds only keys with work pending: the last task of a key removes it.
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  /** How many keys have work queued or running (for tests and metrics). */
  get busyKeys(): number {
    return this.tails.size;
  }
}
