/**
 * The npm package as a user gets it: `npm pack` (which builds the bundle), then `npm install --omit=dev` of the
 * tarball in an empty directory, with no registry: the package must need nothing but itself.
 */
import { afterAll, beforeAll, expect, it, jest } from "@jest/globals";
import { execFileSync, spawnSync } from "node:child_process";
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

// Each test spawns git, node or npm several times: seconds alone, many more on a loaded 2-core machine.
jest.setTimeout(120_000);

const root = resolve(import.meta.dirname, "../..");
const MAX_INSTALLED_BYTES = 15 * 1024 * 1024;
let scratch: string;
let tarball: string;
let project: string;

function npm(cwd: string, ...args: string[]): string {
  return execFileSync("npm", [...args, "--no-audit", "--no-fund", "--loglevel=error"], {
    cwd,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
}

function bytesUnder(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.size;
  return readdirSync(path).reduce((sum, name) => sum + bytesUnder(join(path, name)), 0);
}

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), "ajg-pack-"));
  // Packed from a copy: prepack rebuilds dist/bundle/, which must not touch the committed one (test/action
  // checks that it is current).
  const copy = join(scratch, "source");
  const skip = new Set(["node_modules", "dist", ".git", "coverage", ".stryker-tmp", "reports"]);
  cpSync(root, copy, {
    recursive: true,
    filter: (src) => !skip.has(src.slice(root.length + 1).split("/")[0] ?? ""),
  });
  symlinkSync(join(root, "node_modules"), join(copy, "node_modules"), "dir");
  const packed = JSON.parse(npm(copy, "pack", "--json", "--pack-destination", scratch)) as {
    filename: string;
  }[];
  tarball = join(scratch, packed[0]!.filename);
  project = join(scratch, "user-project");
  mkdirSync(project);
  writeFileSync(join(project, "package.json"), '{ "name": "user-project", "private": true }\n');
  npm(project, "install", "--omit=dev", "--offline", tarball);
}, 300_000);

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

it("holds the CLI bundle, its licences, the rule docs, README and LICENSE, and no dependency", () => {
  const listing = execFileSync("tar", ["-tzf", tarball], { encoding: "utf8" }).trim().split("\n").sort();
  expect(listing).toEqual(
    expect.arrayContaining([
      "package/LICENSE",
      "package/README.md",
      "package/package.json",
      "package/dist/bundle/argocd-job-guard.mjs",
      "package/dist/bundle/THIRD-PARTY-LICENSES.txt",
      "package/docs/rules/plain-job.md",
    ]),
  );
  expect(
    listing.filter(
      (path) =>
        !/^package\/(LICENSE|README\.md|package\.json|dist\/bundle\/[^/]+|docs\/rules\/[^/]+\.md)$/.test(
          path,
        ),
    ),
  ).toEqual([]);
  const manifest = JSON.parse(
    readFileSync(join(project, "node_modules", "argocd-job-guard", "package.json"), "utf8"),
  ) as Record<string, unknown>;
  expect(manifest.dependencies).toBeUndefined();
  expect(manifest.peerDependencies).toBeUndefined();
  expect(readdirSync(join(project, "node_modules")).filter((name) => !name.startsWith("."))).toEqual([
    "argocd-job-guard",
  ]);
});

it(`installs under ${MAX_INSTALLED_BYTES / 1024 / 1024} MB`, () => {
  const bytes = bytesUnder(join(project, "node_modules"));
  // Seen in the test output, for the record of what a user downloads.
  console.log(`installed size: ${(bytes / 1024 / 1024).toFixed(2)} MB`);
  expect(bytes).toBeLessThan(MAX_INSTALLED_BYTES);
});

it("runs as `npx argocd-job-guard`: version, scan, JSON", () => {
  const version = (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string })
    .version;
  const exec = (...args: string[]) =>
    spawnSync("npm", ["exec", "--offline", "--", "argocd-job-guard", ...args], {
      cwd: project,
      encoding: "utf8",
    });
  expect(exec("--version").stdout.trim()).toBe(version);

  const repo = join(scratch, "gitops");
  mkdirSync(join(repo, "jobs"), { recursive: true });
  writeFileSync(
    join(repo, "jobs", "migrate.yaml"),
    "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: db-migrate\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n        - name: m\n          image: app:1\n",
  );
  const text = exec("scan", repo, "--fail-on", "warning");
  expect(text.stderr).toBe("");
  expect(text.status).toBe(1);
  expect(text.stdout).toContain("plain-job");
  const json = exec("scan", repo, "--format", "json");
  expect(json.status).toBe(0);
  const report = JSON.parse(json.stdout) as { findings: { rule: string; file: string }[] };
  expect(report.findings.map((f) => [f.rule, f.file])).toEqual([["plain-job", "jobs/migrate.yaml"]]);
});
