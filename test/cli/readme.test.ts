import { beforeAll, describe, expect, it } from "@jest/globals";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { assertBuilt, PROJECT, runBinary } from "./run-binary.js";

const README = readFileSync(join(PROJECT, "README.md"), "utf8");

function section(text: string, heading: string): string {
  const start = text.indexOf(`\n${heading}\n`);
  if (start === -1) throw new Error(`no "${heading}" section`);
  const next = text.indexOf("\n## ", start + heading.length + 2);
  return text.slice(start, next === -1 ? undefined : next);
}

describe("the README's quick start", () => {
  beforeAll(() => assertBuilt());

  it("describes what its command prints", async () => {
    const quickStart = section(README, "## Quick start");
    const command = /^(node bin\/argocd-job-guard\.js scan \S+)/m.exec(
      quickStart.replace(/^npm ci && /m, ""),
    )?.[1];
    const reported = [...quickStart.matchAll(/^- `([^`]+)`: `([a-z-]+)`/gm)].map((m) => [m[1], m[2]]);
    const leftAlone = [
      ...(/leaves alone([^]*?)ends with/.exec(quickStart)?.[1]?.matchAll(/`([^`]+\.yaml)`/g) ?? []),
    ].map((m) => m[1]);
    const summary = /ends with:\n\n```\n(.*)\n```/.exec(quickStart)?.[1];
    const exitCode = Number(/The exit code is (\d)/.exec(quickStart)?.[1]);

    const args = (command ?? "").split(" ").slice(2);
    const run = await runBinary(args);

    const root = args[args.length - 1];
    const headers = run.stdout.split("\n").filter((line) => /^\S+:\d+:\d+ {2}/.test(line));
    expect(reported.length).toBeGreaterThan(0);
    expect(headers.map((line) => line.replace(/:\d+:\d+ {2}\w+ {2}/, " "))).toEqual(
      reported.map(([file, rule]) => `${root}/${file} ${rule}`),
    );
    expect(quickStart).toContain(`prints ${["no", "one", "two", "three", "four"][reported.length]} warning`);
    expect(leftAlone.length).toBe(2);
    for (const file of leftAlone) expect(run.stdout).not.toContain(file);
    expect(run.stdout.trimEnd().split("\n").at(-1)).toBe(summary);
    expect(run.code).toBe(exitCode);
  }, 60_000);
});
