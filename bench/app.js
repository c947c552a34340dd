#!/usr/bin/env node
// GitHub App benchmark, run on demand (`npm run bench:app`); it prints figures and asserts nothing.
// A generated repository of 5,000 files (4,000 manifests: Deployments, Services, ConfigMaps and Jobs in 50 apps
// deployed by 50 Applications under clusters/, plus 1,000 other files) is a git repository of the local GitHub
// (dev/local-github: real git behind the REST endpoints, every call checked against GitHub's OpenAPI description).
// For pushes that bump the image of 1, 50 and 500 Jobs, it measures in a fresh process:
//   calls    API requests the delivery made (the installation token, the archive's redirect and download count
//            as GitHub counts them: the redirect is one call, the download from the archive host is none),
//   latency  from the webhook handed to Probot to the last check-run write answered (p50 and max of 5 warm runs,
//            a second apart),
//   loop     the longest stretch the event loop was held (the scan runs on a worker thread; reading the archive
//            and rendering the check run stay on the main thread),
//   memory   the process's peak RSS.
// A last case adds a 100 MB incompressible file to the repository: the archive is streamed, so peak memory must
// not grow by 100 MB. Probot's throttling plugin stays on, as in production (it spaces writes by one second, so
// the 10 check-run writes of 500 annotations take about 10 s whatever the App does).
import { execFileSync, fork } from "node:child_process";
import { randomBytes } from "node:crypto";
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { generateAppKey } from "../dist/dev/local-github/app-process.js";

const here = import.meta.dirname;
const OWNER = "bench";
const REPO = "gitops";
const RUNS = Number(process.env.BENCH_ROUNDS ?? 5);

function job(app, n, tag) {
  return `apiVersion: batch/v1
kind: Job
metadata:
  name: ${app}-migrate-${n}
  namespace: ${app}
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: migrate
          image: ghcr.io/example/${app}:${tag}
`;
}

function other(kind, app, n) {
  if (kind === "Service")
    return `apiVersion: v1\nkind: Service\nmetadata:\n  name: ${app}-${n}\nspec:\n  ports:\n    - port: 80\n`;
  if (kind === "ConfigMap")
    return `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${app}-${n}\ndata:\n  key: "value ${n}"\n`;
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${app}-${n}
spec:
  replicas: 2
  template:
    spec:
      containers:
        - name: web
          image: ghcr.io/example/${app}:1.0.0
`;
}

/** Writes the repository; returns the paths of its Jobs (the ones a push bumps). */
function generateRepository(root) {
  const jobs = [];
  mkdirSync(join(root, "clusters", "prod"), { recursive: true });
  for (let a = 0; a < 50; a++) {
    const app = `app-${a}`;
    writeFileSync(
      join(root, "clusters", "prod", `${app}.yaml`),
      `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: ${app}
spec:
  source:
    repoURL: https://github.com/${OWNER}/${REPO}.git
    path: apps/${app}
  destination:
    namespace: ${app}
`,
    );
    mkdirSync(join(root, "apps", app), { recursive: true });
    mkdirSync(join(root, "docs", app), { recursive: true });
    for (let n = 0; n < 79; n++) {
      const path = `apps/${app}/m-${n}.yaml`;
      if (n % 4 === 0) {
        writeFileSync(join(root, path), job(app, n, "1.0.0"));
        jobs.push({ path, app, n });
      } else {
        writeFileSync(join(root, path), other(["Deployment", "Service", "ConfigMap"][n % 3], app, n));
      }
    }
    for (let n = 0; n < 20; n++) writeFileSync(join(root, "docs", app, `note-${n}.md`), `# ${app} ${n}\n`);
  }
  return jobs;
}

function pushPayload(changed, before, after) {
  return {
    ref: "refs/heads/main",
    before,
    after,
    created: false,
    deleted: false,
    forced: false,
    commits: [{ id: after, added: [], removed: [], modified: changed }],
    repository: {
      name: REPO,
      full_name: `${OWNER}/${REPO}`,
      owner: { login: OWNER, name: OWNER },
      html_url: `https://github.com/${OWNER}/${REPO}`,
      default_branch: "main",
    },
    installation: { id: 1 },
  };
}

/** The local GitHub in a child process (its memory and event loop are not the app's): its methods, called over IPC. */
function startLocalGitHub() {
  const child = fork(join(here, "..", "dist", "dev", "local-github", "child.js"), { stdio: "inherit" });
  const pending = new Map();
  let nextId = 0;
  child.on("message", ({ id, result, error }) => {
    const call = pending.get(id);
    pending.delete(id);
    if (error) call.reject(new Error(error));
    else call.resolve(result);
  });
  // A case that fails must not leave the local GitHub running (it holds the parent's stdout open).
  process.on("exit", () => child.kill());
  return (call, ...args) =>
    new Promise((resolve, reject) => {
      pending.set(nextId, { resolve, reject });
      child.send({ id: nextId++, call, args });
    });
}

/** One case, in this (fresh) process: prints a JSON line of figures. */
async function runCase(changedCount, hugeFile) {
  const { Probot } = await import("probot");
  const { default: app } = await import(join(here, "..", "dist", "index.js"));
  const work = mkdtempSync(join(tmpdir(), "bench-app-"));
  try {
    const root = join(work, "repo");
    const jobs = generateRepository(root);
    // Written a megabyte at a time, so that the file's bytes are never in this process's memory at once.
    if (hugeFile)
      for (let mb = 0; mb < 100; mb++) appendFileSync(join(root, "assets.bin"), randomBytes(1024 * 1024));
    const changed = jobs.slice(0, changedCount);
    const privateKey = generateAppKey();
    const github = startLocalGitHub();
    const { apiUrl } = await github("start", { app: { id: 1, slug: "argocd-job-guard", privateKey } });
    const { dir } = await github("createRepository", `${OWNER}/${REPO}`, { from: root });
    const { before, after } = await github(
      "commit",
      `${OWNER}/${REPO}`,
      "main",
      Object.fromEntries(changed.map(({ path, app, n }) => [path, job(app, n, "1.1.0")])),
      `Bump ${changedCount} Jobs`,
    );
    const archiveMb =
      execFileSync("git", ["--git-dir", dir, "archive", "--format=tar.gz", after], { maxBuffer: 1 << 30 })
        .length /
      1024 /
      1024;
    const probot = new Probot({ appId: 1, privateKey, logLevel: "warn", baseUrl: apiUrl });
    await probot.load(app);
    const rssBefore = process.memoryUsage().rss;
    const latencies = [];
    // How long the webhook server's event loop was held at a stretch (the scan itself runs on a worker thread).
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    loopDelay.enable();
    let callsPerPush = 0;
    let coldMs = 0;
    let coldLoopMaxMs = 0;
    // Run 0 is the cold start (token, first worker, lazily loaded modules): reported apart from the warm runs.
    for (let run = 0; run <= RUNS; run++) {
      // The throttling plugin spaces an installation's writes by a second: pushes a second apart, as in life.
      if (run > 0) await sleep(1100);
      const firstCall = await github("requestCount");
      const start = performance.now();
      await probot.receive({
        id: `bench-${run}`,
        name: "push",
        payload: pushPayload(
          changed.map((c) => c.path),
          before,
          after,
        ),
      });
      if (run === 0) {
        coldMs = performance.now() - start;
        coldLoopMaxMs = loopDelay.max / 1e6;
        loopDelay.reset();
      } else latencies.push(performance.now() - start);
      if (process.env.BENCH_DEBUG)
        process.stderr.write(`run ${run}: ${(performance.now() - start).toFixed(0)} ms\n`);
      const calls = (await github("requestsSince", firstCall)).filter(
        (call) => call.operationId !== "codeload",
      );
      callsPerPush = calls.length;
      if (run === 0)
        process.stderr.write(
          `  ${changedCount} changed: ${calls
            .map((c) => c.operationId ?? c.path)
            .join(", ")
            .slice(0, 400)}\n`,
        );
      const violations = await github("violations");
      if (violations.length > 0) throw new Error(`calls GitHub would refuse: ${violations.join("; ")}`);
    }
    loopDelay.disable();
    await github("close");
    latencies.sort((a, b) => a - b);
    console.log(
      JSON.stringify({
        changed: changedCount,
        hugeFile,
        archiveMb,
        calls: callsPerPush,
        p50: latencies[Math.floor(latencies.length / 2)],
        max: latencies[latencies.length - 1],
        loopMaxMs: loopDelay.max / 1e6,
        coldMs,
        coldLoopMaxMs,
        rssBeforeMb: rssBefore / 1024 / 1024,
        peakRssMb: process.resourceUsage().maxRSS / 1024,
      }),
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[2] === "case") {
  await runCase(Number(process.argv[3]), process.argv[4] === "huge");
  // With stdout to a file or a parent's pipe, something of Probot's keeps the process alive once the case is done
  // (not yet found); the figures are out, so the case ends here rather than hang its parent.
  process.exit(0);
} else {
  console.log(`argocd-job-guard App benchmark: a push to a 5,000-file repository, ${RUNS} runs per case\n`);
  console.log(
    "changed  archive MB  API calls  cold ms (loop)  p50 ms  max ms  loop max ms  RSS before  peak RSS",
  );
  for (const [count, huge] of [
    [1, false],
    [50, false],
    [500, false],
    [50, true],
  ]) {
    const out = execFileSync(
      process.execPath,
      [import.meta.filename, "case", String(count), huge ? "huge" : ""],
      {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "inherit"],
        maxBuffer: 1 << 24,
      },
    );
    const r = JSON.parse(out.trim().split("\n").pop());
    console.log(
      `${String(r.changed).padStart(7)}${r.hugeFile ? "+" : " "} ${r.archiveMb.toFixed(1).padStart(10)}  ${String(r.calls).padStart(9)}  ${`${r.coldMs.toFixed(0)} (${r.coldLoopMaxMs.toFixed(0)})`.padStart(14)}  ${r.p50.toFixed(0).padStart(6)}  ${r.max.toFixed(0).padStart(6)}  ${r.loopMaxMs.toFixed(0).padStart(11)}  ${r.rssBeforeMb.toFixed(0).padStart(7)} MB  ${r.peakRssMb.toFixed(0).padStart(5)} MB`,
    );
  }
  console.log("\n+ with a 100 MB incompressible file in the repository (never kept: not a manifest)");
}
