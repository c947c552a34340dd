// The local GitHub in a process of its own, driven over IPC (child_process.fork): a benchmark measures the app's
// memory and event loop without GitHub's description (13 MB of JSON, parsed) and its serving counted in.
import { LocalGitHub, type LocalGitHubOptions } from "./server.js";

interface Call {
  id: number;
  call: string;
  args: unknown[];
}

let github: LocalGitHub | null = null;

process.on("message", (message: Call) => {
  void (async () => {
    try {
      let result: unknown;
      if (message.call === "start") {
        github = await LocalGitHub.start(message.args[0] as LocalGitHubOptions);
        result = { apiUrl: github.apiUrl, host: github.host };
      } else {
        if (!github) throw new Error("not started");
        const member = (github as unknown as Record<string, unknown>)[message.call];
        result =
          typeof member === "function"
            ? await (member as (...a: unknown[]) => unknown).apply(github, message.args)
            : member;
        // A repository holds live objects (its git, Maps): the caller gets its directory only.
        if (message.call === "createRepository")
          result = { dir: (result as { git: { dir: string } }).git.dir };
        if (message.call === "close") setImmediate(() => process.exit(0));
      }
      process.send?.({ id: message.id, result });
    } catch (error) {
      process.send?.({ id: message.id, error: error instanceof Error ? error.message : String(error) });
    }
  })();
});
