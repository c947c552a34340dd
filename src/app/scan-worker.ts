import { parentPort } from "node:worker_threads";
import { fixRepository, scanRepository } from "../engine/scan.js";
import { RULES } from "../rules/index.js";
import type { EngineOperation, PortableScanInput } from "./scanner.js";

/** The engine on a worker thread: one message in (a scan's input), one message out (its result or error). */
parentPort?.on("message", (message: { id: number; operation: EngineOperation; input: PortableScanInput }) => {
  try {
    const input = { ...message.input, rules: RULES };
    const result = message.operation === "fix" ? fixRepository(input) : scanRepository(input);
    parentPort?.postMessage({ id: message.id, result });
  } catch (error) {
    parentPort?.postMessage({
      id: message.id,
      error: error instanceof Error ? (error.stack ?? error.message) : String(error),
    });
  }
});
