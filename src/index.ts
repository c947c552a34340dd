import type { ApplicationFunction } from "probot";
import { onPush } from "./app/on-push.js";
import { onCheckRunRerequested, onCheckSuiteRerequested } from "./app/on-rerequest.js";

/**
 * The Probot app: wiring only (each use case lives in src/app/). `check_suite.requested`, which GitHub sends beside
 * every push, is left alone on purpose: the push handler owns that commit's check run.
 */
const app: ApplicationFunction = (probot) => {
  probot.on("push", onPush);
  probot.on("check_suite.rerequested", onCheckSuiteRerequested);
  probot.on("check_run.rerequested", onCheckRunRerequested);
};

export default app;
