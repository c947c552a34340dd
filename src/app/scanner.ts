import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { fixRepository, scanRepository, type FileFix, type ScanInput } from "../engine/scan.js";
import type { ScanResult } from "../engine/types.js";
import { RULES } from "../rules/index.js";

/** What crosses to a scan worker: the engine's input without the parts that are functions. */
export type PortableScanInput = Omit<ScanInput, "rules" | "onProgress">;

/** What `fixRepository` gives: the scan, and each file with every safe fix applied. */
export interface RepositoryFix {
  result: ScanResult;
  fixes: FileFix[];
}

/**
 * Runs the engine: called, it scans; `fix` applies every safe fix as `scan --fix` does. The App's is a worker pool,
 * so that a large scan never blocks the webhook server.
 */
export type Scanner = ((input: PortableScanInput) => Promise<ScanResult>) & {
  fix: (input: PortableScanInput) => Promise<RepositoryFix>;
};

/** The engine on the calling thread: for the CLI-like paths and for tests that count requests. */
export const inProcessScanner: Scanner = Object.assign(
  (input: PortableScanInput) => Promise.resolve(scanRepository({ ...input, rules: RULES })),
  { fix: (input: PortableScanInput) => Promise.resolve(fixRepository({ ...input, rules: RULES })) },
);

/** The work a worker does for one message. */
export type EngineOperation = "scan" | "fix";

interface Job {
  id: number;
  operation: EngineOperation;
  input: PortableScanInput;
  resolve: (result: unknown) => void;
  reject: (error: Error) => void;
}

export interface WorkerScannerOptions {
  /** The compiled worker module (dist/app/scan-worker.js). */
  workerUrl?: URL;
  /** Workers at most; one core is left to the event loop. */
  size?: number;
}

/**
 * A pool of scan workers, started on first use and kept (starting one costs tens of milliseconds of module
 * loading). Each delivery's scan runs on a worker, so one repository with a pathological file delays only its
 * own check run. A worker that dies fails the scans it held, and is replaced on the next scan.
 */
export function workerScanner(options: WorkerScannerOptions = {}): Scanner & { close: () => Promise<void> } {
  const workerUrl = options.workerUrl ?? new URL("./scan-worker.js", import.meta.url);
  const size = Math.max(1, options.size ?? availableParallelism() - 1);
  const idle: Worker[] = [];
  const busy = new Map<Worker, Job>();
  const queue: Job[] = [];
  let nextId = 0;

  const start = (): Worker => {
    const worker = new Worker(workerUrl);
    // The pool must not keep a finished process (a CLI run, a test) alive.
    worker.unref();
    worker.on("message", (message: { id: number; result?: unknown; error?: string }) => {
      const job = busy.get(worker);
      busy.delete(worker);
      if (job && message.id === job.id) {
        if (message.error !== undefined) job.reject(new Error(message.error));
        else job.resolve(message.result);
      }
      idle.push(worker);
      dispatch();
    });
    const lost = (error: Error) => {
      const job = busy.get(worker);
      busy.delete(worker);
      const index = idle.indexOf(worker);
      if (index !== -1) idle.splice(index, 1);
      job?.reject(error);
      dispatch();
    };
    worker.on("error", lost);
    worker.on("exit", (code) => lost(new Error(`the scan worker stopped (exit code ${code})`)));
    return worker;
  };

  const dispatch = () => {
    while (queue.length > 0) {
      const worker = idle.pop() ?? (busy.size < size ? start() : undefined);
      if (!worker) return;
      const job = queue.shift() as Job;
      busy.set(worker, job);
      worker.postMessage({ id: job.id, operation: job.operation, input: job.input });
    }
  };

  const run = <T>(operation: EngineOperation, input: PortableScanInput) =>
    new Promise<T>((resolve, reject) => {
      queue.push({ id: nextId++, operation, input, resolve: resolve as (result: unknown) => void, reject });
      dispatch();
    });
  const close = async () => {
    const workers = [...idle, ...busy.keys()];
    idle.length = 0;
    await Promise.all(workers.map((worker) => worker.terminate()));
  };
  const scan = (input: PortableScanInput) => run<ScanResult>("scan", input);
  const fix = (input: PortableScanInput) => run<RepositoryFix>("fix", input);
  return Object.assign(scan, { fix, close });
}
