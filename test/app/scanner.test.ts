import { afterAll, describe, expect, it } from "@jest/globals";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { inProcessScanner, workerScanner } from "../../src/app/scanner.js";
import { readRepository } from "../../src/cli/read-repository.js";

/** The worker runs compiled code: `npm test` builds dist/ before Jest runs. */
const WORKER = new URL("../../dist/app/scan-worker.js", import.meta.url);
const built = existsSync(fileURLToPath(WORKER));
if (!built) console.warn("dist/ is not built (npm run build): the scan worker tests are skipped");
const EXAMPLES = fileURLToPath(new URL("../../examples/gitops-repo", import.meta.url));

describe("the scan worker pool", () => {
  const pool = workerScanner({ workerUrl: WORKER, size: 2 });
  afterAll(() => pool.close());

  (built ? it : it.skip)("gives the engine's result, off the event loop", async () => {
    const repository = await readRepository(EXAMPLES);
    const input = { ...repository, repoUrl: null };
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 0);

    const [fromWorker, again] = await Promise.all([pool(input), pool(input)]);
    clearInterval(ticker);

    expect(fromWorker).toEqual(await inProcessScanner(input));
    expect(again).toEqual(fromWorker);
    expect(fromWorker.findings.length).toBeGreaterThan(0);
    // The main thread kept running timers while the workers scanned.
    expect(ticks).toBeGreaterThan(0);
  });

  (built ? it : it.skip)("applies every safe fix as scan --fix does, on a worker too", async () => {
    const input = { ...(await readRepository(EXAMPLES)), repoUrl: null };

    const fromWorker = await pool.fix(input);

    expect(fromWorker).toEqual(await inProcessScanner.fix(input));
    expect(fromWorker.fixes.length).toBeGreaterThan(0);
  });

  (built ? it : it.skip)("a scan that throws fails alone; the next scan works", async () => {
    const broken = { files: null } as unknown as Parameters<typeof pool>[0];

    await expect(pool(broken)).rejects.toThrow();
    await expect(pool({ files: [{ path: "a.yaml", content: "a: 1\n" }] })).resolves.toMatchObject({
      findings: [],
    });
  });
});
