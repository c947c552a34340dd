#!/usr/bin/env node
/**
 * Builds the CLI as one self-contained file, dist/bundle/argocd-job-guard.mjs, from the TypeScript sources: the npm
 * package's bin and what the GitHub Action runs (it is committed, so an Action run installs nothing). Beside it,
 * THIRD-PARTY-LICENSES.txt carries the licence of every library bundled in (their licences ask for it).
 *
 * `node scripts/bundle.js [OUTDIR]`: OUTDIR (default dist/bundle) lets a test build elsewhere and compare bytes
 * with the committed file. The output depends only on the sources and the pinned esbuild, never on the clock or
 * the machine's paths, so rebuilding unchanged sources gives the same bytes.
 */
import { build } from "esbuild";
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const outdir = resolve(process.argv[2] ?? join(root, "dist", "bundle"));
// The CLI reads its version from ../../package.json next to its module: the bundle must stay two levels below the
// package root (dist/bundle/), in the npm package and in the Action's checkout alike.
const outfile = join(outdir, "argocd-job-guard.mjs");

const result = await build({
  stdin: {
    contents:
      'import { runCli } from "./src/cli/main.ts";\nprocess.exitCode = await runCli(process.argv.slice(2));\n',
    resolveDir: root,
    sourcefile: "argocd-job-guard.ts",
    loader: "ts",
  },
  absWorkingDir: root,
  bundle: true,
  platform: "node",
  format: "esm",
  // The oldest line `engines` promises: syntax newer than Node 20 would not parse there.
  target: "node20.19",
  outfile,
  // yaml's "node" export is CommonJS and requires Node's built-ins: an ES module has no `require` of its own.
  banner: {
    js: '#!/usr/bin/env node\nimport { createRequire as __createRequire } from "node:module";\nconst require = __createRequire(import.meta.url);',
  },
  // Paths in the bundle's comments stay node_modules/… even when node_modules is a link (a test's copy).
  preserveSymlinks: true,
  legalComments: "eof",
  metafile: true,
  logLevel: "warning",
});

mkdirSync(outdir, { recursive: true });
writeFileSync(
  join(outdir, "THIRD-PARTY-LICENSES.txt"),
  thirdPartyLicenses(Object.keys(result.metafile.inputs)),
);

/** One section per bundled package (name, version, licence text), sorted, from the files esbuild read. */
function thirdPartyLicenses(inputs) {
  const packages = new Set();
  for (const input of inputs) {
    const match = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (match) packages.add(match[0].replace(/^\//, ""));
  }
  const sections = [...packages].sort().map((dir) => {
    const pkg = JSON.parse(readFileSync(join(root, dir, "package.json"), "utf8"));
    const licenceFile = readdirSync(join(root, dir)).find((name) =>
      /^(licen[cs]e|copying)(\..*)?$/i.test(name),
    );
    const text = licenceFile
      ? readFileSync(join(root, dir, licenceFile), "utf8").trim()
      : `License: ${pkg.license}`;
    return `${pkg.name} ${pkg.version} (${pkg.license})\n\n${text}\n`;
  });
  return `argocd-job-guard bundles the following packages.\n\n${sections.join(`\n${"-".repeat(78)}\n\n`)}`;
}
