import { spawn } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

export const PROJECT = join(import.meta.dirname, "..", "..");
const BIN = join(PROJECT, "bin", "argocd-job-guard.js");

export interface BinaryRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Fails early, with what to do, when dist/ is missing or older than the CLI's sources: the built binary is what
 * users run, and a stale build would make these tests check yesterday's code.
 */
export function assertBuilt(): void {
  const built = join(PROJECT, "dist", "cli", "main.js");
  if (!existsSync(built)) throw new Error("dist/ is not built: run `npm run build` (npm test does) first");
  const builtAt = statSync(built).mtimeMs;
  for (const dir of ["src/cli", "src/render"])
    for (const name of readdirSync(join(PROJECT, dir)))
      if (statSync(join(PROJECT, dir, name)).mtimeMs > builtAt)
        throw new Error(`${dir}/${name} is newer than dist/: run \`npm run build\` first`);
}

/** Runs `node bin/argocd-job-guard.js ARGS` as a user would. `closeStdout` closes the reader's end at once. */
export function runBinary(
  args: readonly string[],
  options: { cwd?: string; env?: Record<string, string | undefined>; closeStdout?: boolean } = {},
): Promise<BinaryRun> {
  return new Promise((resolve, reject) => {
    const env: Record<string, string> = {};
    for (const [key, value] of Object.entries({ ...process.env, NO_COLOR: "1", ...options.env }))
      if (value !== undefined) env[key] = value;
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd ?? PROJECT,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    // Closed before the CLI has started: whatever it writes meets a pipe without a reader (EPIPE), as with `| head`.
    if (options.closeStdout) child.stdout.destroy();
    else child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}
