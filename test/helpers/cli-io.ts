import type { CliIo } from "../../src/cli/main.js";

/** A CliIo that records what the CLI prints. */
export function recordingIo(
  cwd: string,
  stdoutIsTty = false,
  stderrIsTty = false,
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
    out: () => out,
    err: () => err,
  };
}
