#!/usr/bin/env node
/**
 * Builds the GitHub App as the Docker image runs it: `server.js` and the scan worker it starts, `scan-worker.js`,
 * side by side (the worker is found next to the server), each self-contained (Probot, Octokit, yaml… bundled in),
 * plus a package.json that makes them ES modules. No node_modules is needed beside them: the image carries no
 * development dependency, and nothing that npm would install at run time.
 *
 * `node scripts/bundle-app.js [OUTDIR]` (default dist/app-bundle). Not committed: the Dockerfile builds it.
 */
import { build } from "esbuild";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const outdir = resolve(process.argv[2] ?? join(root, "dist", "app-bundle"));

await build({
  entryPoints: { server: join(root, "src/server.ts"), "scan-worker": join(root, "src/app/scan-worker.ts") },
  absWorkingDir: root,
  bundle: true,
  platform: "node",
  format: "esm",
  // The image's Node line (Dockerfile); the oldest `engines` line would do as well.
  target: "node20.19",
  outdir,
  // The webhook proxy is for a laptop (WEBHOOK_PROXY_URL), never for a deployed app: left out of the image.
  external: ["smee-client"],
  // Probot's CommonJS dependencies require Node's built-ins: an ES module has no `require` of its own.
  banner: {
    js: 'import { createRequire as __createRequire } from "node:module";\nconst require = __createRequire(import.meta.url);',
  },
  legalComments: "eof",
  logLevel: "warning",
});
mkdirSync(outdir, { recursive: true });
writeFileSync(
  join(outdir, "package.json"),
  `${JSON.stringify({ type: "module", private: true }, null, 2)}\n`,
);
process.stdout.write(`${outdir}: server.js, scan-worker.js\n`);
