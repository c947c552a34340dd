import { parentPort } from "node:worker_threads";
import { scanRepository } from "../engine/scan.js";
import { RULES } from "../rules/index.js";
import type { PortableScanInput } from "./scanner.js";

/** The engine on a worker thread: one message in (a scan's input), one message out (its result or error). */
parentPort?.on("message", (message: { id: number; input: PortableScanInput }) => {
  try {
    parentPort?.postMessage({ id: message.id, result: scanRepository({ ...message.input, rules: RULES }) });
  } catch (error) {
    parentPort?.postMessage({
      id: message.id,
      error: error instanceof Error ? (error.stack ?? error.message) : String(error),
    });
  }
});
