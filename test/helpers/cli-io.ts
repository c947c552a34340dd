import type { CliIo } from "../../src/cli/main.js";

/** A CliIo that records what the CLI prints. `more` sets the rest (env, columns, beforeFixWrite). */
export function recordingIo(
  cwd: string,
  stdoutIsTty = false,
  stderrIsTty = false,
  more: Partial<Pick<CliIo, "env" | "columns" | "beforeFixWrite">> = {},
): CliIo & { out: () => string; err: () => string } {
  let out = "";
  let err = "";
  return {
    stdout: (text) => {
      out += text;
    },
    stderr: (text) => {
      err += text;
    },
    cwd,
    stdoutIsTty,
    stderrIsTty,
    env: {},
    ...more,
    out: () => out,
    err: () => err,
  };
}
