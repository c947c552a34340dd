#!/usr/bin/env node
// Engine benchmark, run on demand (`npm run bench`); it prints figures and asserts nothing.
// For the corpus (../shared/corpus) and a generated repository of 10,000 manifests (2,000 files of 5 documents,
// a quarter of them Jobs), it measures, each in a fresh process so peak memory is its own:
//   parse  a bare `yaml` parseAllDocuments of the same text (the floor),
//   scan   the CLI's whole scan (read files, discover apps, rules, verified fixes, JSON output),
// and prints time, MB/s, documents/s and peak RSS side by side; then the scan time of adversarial files (a 1 MiB
// kind: List of Jobs, the same with some items aliasing an anchor, 10,000 named Jobs in one file, 1 MiB of nameless
// Jobs, a 1 MiB unclosed Helm template).
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";

const here = import.meta.dirname;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

function manifestFiles(root) {
  const out = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\.(ya?ml|json|tpl)$/.test(entry.name)) out.push(path);
    }
  };
  walk(root);
  return out;
}

function generateRepository(dir) {
  const jobEvery = 4;
  let n = 0;
  for (let f = 0; f < 2000; f++) {
    const app = `app-${Math.floor(f / 20)}`;
    mkdirSync(join(dir, "apps", app), { recursive: true });
    const docs = [];
    for (let d = 0; d < 5; d++, n++) {
      if (n % jobEvery === 0) {
        docs.push(`# migration for ${app}
apiVersion: batch/v1
kind: Job
metadata:
  name: ${app}-job-${n}
  namespace: ${app}
  labels:
    app.kubernetes.io/name: ${app}
spec:
  backoffLimit: 2
  ttlSecondsAfterFinished: ${n % 3 === 0 ? 600 : 0}
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: migrate
          image: ghcr.io/example/${app}:1.${n % 10}.0
          command: ["./manage.py", "migrate"]
          env:
            - name: DATABASE_URL
              valueFrom: {secretKeyRef: {name: ${app}-db, key: url}}
`);
      } else {
        docs.push(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${app}-${n}
  namespace: ${app}
  labels: {app.kubernetes.io/name: ${app}}
spec:
  replicas: 2
  selector:
    matchLabels: {app.kubernetes.io/name: ${app}}
  template:
    metadata:
      labels: {app.kubernetes.io/name: ${app}}
    spec:
      containers:
        - name: web
          image: ghcr.io/example/${app}:1.${n % 10}.0
          ports: [{containerPort: 8080}]
          resources: {requests: {cpu: 100m, memory: 128Mi}}
`);
      }
    }
    writeFileSync(join(dir, "apps", app, `manifests-${f}.yaml`), docs.join("---\n"));
  }
  mkdirSync(join(dir, "argocd"), { recursive: true });
  for (let a = 0; a < 100; a++) {
    writeFileSync(
      join(dir, "argocd", `app-${a}.yaml`),
      `apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: app-${a}\nspec:\n  source:\n    repoURL: https://github.com/example/bench.git\n    path: apps/app-${a}\n  syncPolicy:\n    automated: {selfHeal: true}\n`,
    );
  }
}

// Adversarial shapes (issue 8): one file each, just under the default 1 MiB limit, built to find super-linear paths.
const MiB = 1024 * 1024;
const jobText = (i, named) => `apiVersion: batch/v1
kind: Job
metadata:
${named ? `  name: job-${i}\n` : "  labels: {app: nameless}\n"}spec:
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: run
          image: busybox:1.${i % 10}
`;
function fillTo(limit, piece) {
  const parts = [];
  let size = 0;
  for (let i = 0; ; i++) {
    const next = piece(i);
    if (size + next.length > limit) return parts.join("");
    parts.push(next);
    size += next.length;
  }
}
const ADVERSARIAL = {
  "1 MiB kind: List of Jobs": () => [
    "list.yaml",
    "apiVersion: v1\nkind: List\nitems:\n" +
      fillTo(MiB - 64, (i) =>
        jobText(i, true)
          .trimEnd()
          .split("\n")
          .map((line, k) => (k === 0 ? "  - " : "    ") + line)
          .join("\n")
          .concat("\n"),
      ),
  ],
  "10,000 named Jobs in one file": () => [
    "jobs.yaml",
    Array.from(
      { length: 10000 },
      (_, i) => `apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: j-${i}\nspec: {}\n`,
    ).join("---\n"),
  ],
  // Every 50th item aliases an anchor of the first (under yaml's 100-alias limit), so its fix is re-checked on the
  // whole document: one at a time, that was a 1 MiB parse per such item.
  "1 MiB kind: List of Jobs, some aliasing an anchor": () => [
    "aliased.yaml",
    "apiVersion: v1\nkind: List\nitems:\n" +
      fillTo(MiB - 64, (i) =>
        jobText(i, true)
          .replace(
            /image: .*/,
            `image: ${i === 0 ? "&image busybox:1" : i % 50 === 0 ? "*image" : "busybox:1"}`,
          )
          .trimEnd()
          .split("\n")
          .map((line, k) => (k === 0 ? "  - " : "    ") + line)
          .join("\n")
          .concat("\n"),
      ),
  ],
  "1 MiB of nameless Jobs": () => ["nameless.yaml", fillTo(MiB - 64, (i) => "---\n" + jobText(i, false))],
  "1 MiB Helm template, unclosed {{ on every line": () => [
    "chart/templates/job.yaml",
    "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: x\n" +
      fillTo(MiB - 64, (i) => `  l${i}: {{ .Values.v${i}\n`),
  ],
};

function reportAdversarial() {
  for (const [label, make] of Object.entries(ADVERSARIAL)) {
    const dir = mkdtempSync(join(tmpdir(), "ajg-bench-adv-"));
    try {
      const [path, text] = make();
      mkdirSync(join(dir, path, ".."), { recursive: true });
      writeFileSync(join(dir, path), text);
      const scan = measure("scan", [dir]);
      console.log(
        `${label}: ${(Buffer.byteLength(text) / 1024).toFixed(0)} KiB  scan ${scan.ms.toFixed(0).padStart(6)} ms  peak ${scan.maxRssMb.toFixed(0).padStart(4)} MB  (target < 2000 ms)`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

async function child(mode, roots) {
  // Modules are loaded before the clock starts, for both sides: the comparison is of the work done.
  const { parseAllDocuments } = await import("yaml");
  const { runCli } = await import("../dist/cli/main.js");
  const start = performance.now();
  let documents = 0;
  let bytes = 0;
  if (mode === "parse") {
    for (const root of roots) {
      for (const file of manifestFiles(root)) {
        const text = readFileSync(file, "utf8");
        bytes += Buffer.byteLength(text);
        const parsed = parseAllDocuments(text);
        documents += Array.isArray(parsed) ? parsed.length : 0;
      }
    }
  } else {
    let out = 0;
    const io = {
      stdout: (t) => (out += t.length),
      stderr: () => {},
      cwd: process.cwd(),
      stdoutIsTty: false,
      stderrIsTty: false,
      env: {},
    };
    await runCli(
      ["scan", "--format", "json", "--repo-url", "https://github.com/example/bench.git", ...roots],
      io,
    );
  }
  const ms = performance.now() - start;
  process.stdout.write(
    JSON.stringify({ ms, documents, bytes, maxRssMb: process.resourceUsage().maxRSS / 1024 }),
  );
}

function measure(mode, roots) {
  const runs = [];
  for (let i = 0; i < ROUNDS; i++) {
    const out = execFileSync(process.execPath, [join(here, "engine.js"), "--child", mode, ...roots], {
      encoding: "utf8",
    });
    runs.push(JSON.parse(out));
  }
  runs.sort((a, b) => a.ms - b.ms);
  return { ...runs[Math.floor(runs.length / 2)], maxRssMb: Math.max(...runs.map((r) => r.maxRssMb)) };
}

function report(label, roots) {
  const parse = measure("parse", roots);
  const scan = measure("scan", roots);
  const mb = parse.bytes / (1024 * 1024);
  const row = (name, r) =>
    `  ${name.padEnd(6)} ${r.ms.toFixed(0).padStart(7)} ms  ${(mb / (r.ms / 1000)).toFixed(2).padStart(7)} MB/s  ${(parse.documents / (r.ms / 1000)).toFixed(0).padStart(8)} docs/s  peak ${r.maxRssMb.toFixed(0).padStart(4)} MB`;
  console.log(`${label}: ${mb.toFixed(2)} MB, ${parse.documents} documents (median of ${ROUNDS})`);
  console.log(row("parse", parse));
  console.log(row("scan", scan));
  console.log(`  scan / parse = ${(scan.ms / parse.ms).toFixed(2)}x  (target < 1.5x, peak < 300 MB)`);
}

if (process.argv[2] === "--child") {
  await child(process.argv[3], process.argv.slice(4));
} else {
  const corpus = join(here, "..", "..", "shared", "corpus");
  const roots = readdirSync(corpus)
    .filter((d) => statSync(join(corpus, d)).isDirectory())
    .map((d) => join(corpus, d));
  report("corpus", roots);
  const generated = mkdtempSync(join(tmpdir(), "ajg-bench-"));
  try {
    generateRepository(generated);
    report("generated (2,000 files x 5 documents, 1/4 Jobs)", [generated]);
  } finally {
    rmSync(generated, { recursive: true, force: true });
  }
  reportAdversarial();
}

// Hostile input (issue 8, point 2): long file names against the worst globs a repository can hold, in an
// Application's include/exclude (gobwas), an ApplicationSet's git generator (Go path.Match) and templated path, and
// the configuration's ignore. As backtracking RegExps these took from 10 s to hours.
function generateWorstGlobRepository(dir) {
  const stars = (k, sep = "") => `${`*a${sep}`.repeat(k)}*b`;
  const job = (name) =>
    `apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: ${name}\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n`;
  // 64 characters, and 250: about the longest name a file system allows.
  for (const [i, n] of [64, 250].entries()) {
    for (let d = 0; d < 50; d++) {
      const sub = join(dir, "apps", `${"a".repeat(n - 3)}${String(d).padStart(3, "0")}`);
      mkdirSync(sub, { recursive: true });
      writeFileSync(join(sub, `${"a".repeat(n - 5)}.yaml`), job(`job-${i}-${d}`));
    }
  }
  mkdirSync(join(dir, "argocd"), { recursive: true });
  mkdirSync(join(dir, ".github"), { recursive: true });
  writeFileSync(
    join(dir, "argocd", "app.yaml"),
    `apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: worst\nspec:\n  source:\n    repoURL: https://github.com/example/bench.git\n    path: apps\n    directory:\n      recurse: true\n      include: '${stars(500)}'\n      exclude: '{${stars(100)},${stars(120)}}'\n`,
  );
  writeFileSync(
    join(dir, "argocd", "appset.yaml"),
    `apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata:\n  name: worst\nspec:\n  generators:\n    - git:\n        repoURL: https://github.com/example/bench.git\n        directories:\n          - path: '${stars(500)}'\n          - path: 'apps/*'\n  template:\n    metadata:\n      name: x\n    spec:\n      source:\n        repoURL: https://github.com/example/bench.git\n        path: '${"{{x}}a".repeat(100)}{{path}}/{{y}}b'\n`,
  );
  writeFileSync(join(dir, ".github", "argocd-job-guard.yml"), `ignore: ['**/${stars(500)}']\n`);
}

function reportWorstGlobs() {
  const dir = mkdtempSync(join(tmpdir(), "ajg-bench-globs-"));
  try {
    generateWorstGlobRepository(dir);
    report("long file names with the worst globs (100 files, patterns of 1,000 characters)", [dir]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] !== "--child") reportWorstGlobs();
