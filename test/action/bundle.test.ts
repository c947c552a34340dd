/**
 * dist/bundle/ is committed (the Action runs it without installing anything), so it must be what the sources build
 * today: a change to the CLI, engine, rules or renderers without `npm run bundle` fails here.
 */
import { afterAll, expect, it, jest } from "@jest/globals";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

// Each test spawns git, node or npm several times: seconds alone, many more on a loaded 2-core machine.
jest.setTimeout(120_000);

const root = resolve(import.meta.dirname, "../..");
const out = mkdtempSync(join(tmpdir(), "ajg-bundle-"));

afterAll(() => rmSync(out, { recursive: true, force: true }));

it("the committed dist/bundle/ is the bundle the sources build (run npm run bundle and commit dist/bundle/)", () => {
  execFileSync(process.execPath, [join(root, "scripts", "bundle.js"), out], { cwd: root, stdio: "pipe" });
  const committed = join(root, "dist", "bundle");
  expect(readdirSync(committed).sort()).toEqual(readdirSync(out).sort());
  for (const name of readdirSync(out)) {
    // Compared as text first, so a failure shows where; then byte for byte.
    expect(readFileSync(join(committed, name), "utf8")).toBe(readFileSync(join(out, name), "utf8"));
    expect(readFileSync(join(committed, name)).equals(readFileSync(join(out, name)))).toBe(true);
  }
});
