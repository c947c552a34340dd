import { describe, expect, it } from "@jest/globals";
import { Readable } from "node:stream";
import { isManifestPath } from "../../src/engine/manifest-path.js";
import { SYMLINK_SKIP_REASON } from "../../src/engine/types.js";
import {
  ArchiveError,
  ESCAPING_PATH_SKIP_REASON,
  readCommitArchive,
  type ArchiveLimits,
} from "../../src/github/commit-archive.js";
import { ARCHIVE_TOP, rawTarball, tarballOf } from "../helpers/archive.js";

const LIMITS: ArchiveLimits = {
  maxFileBytes: 1024,
  maxEntries: 100,
  maxKeptBytes: 64 * 1024,
  maxUnpackedBytes: 1024 * 1024,
};

/** The archive as a download delivers it: in chunks whose boundaries fall anywhere. */
function chunks(data: Buffer, size = 1000): Readable {
  const parts: Buffer[] = [];
  for (let offset = 0; offset < data.length; offset += size) parts.push(data.subarray(offset, offset + size));
  return Readable.from(parts);
}

function read(data: Buffer, limits: Partial<ArchiveLimits> = {}) {
  return readCommitArchive(chunks(data), { keep: isManifestPath, limits: { ...LIMITS, ...limits } });
}

const text = (content: string | Uint8Array) =>
  typeof content === "string" ? content : Buffer.from(content).toString("utf8");

describe("reading a commit's archive", () => {
  it("lists every path without the top directory and keeps the bytes of manifests only", async () => {
    const snapshot = await read(
      tarballOf({ "apps/job.yaml": "kind: Job\n", "README.md": "# hi\n", "charts/a/templates/job.tpl": "x" }),
    );

    expect(snapshot.tree).toEqual(["README.md", "apps/job.yaml", "charts/a/templates/job.tpl"]);
    expect(snapshot.files.map((file) => [file.path, text(file.content)])).toEqual([
      ["apps/job.yaml", "kind: Job\n"],
      ["charts/a/templates/job.tpl", "x"],
    ]);
    expect(snapshot.unread).toEqual([]);
  });

  it("keeps the exact bytes: CRLF, a BOM, no trailing newline", async () => {
    const bytes = "\uFEFFkind: Job\r\nmetadata:\r\n  name: x";
    const snapshot = await read(tarballOf({ "job.yaml": bytes }));

    expect(text(snapshot.files[0]?.content ?? new Uint8Array())).toBe(bytes);
  });

  it("leaves out node_modules and .git, as the CLI's walk does", async () => {
    const snapshot = await read(
      tarballOf({
        "node_modules/x/job.yaml": "a: 1\n",
        "a/node_modules/b.yaml": "a: 1\n",
        "ok.yaml": "a: 1\n",
      }),
    );

    expect(snapshot.tree).toEqual(["ok.yaml"]);
  });

  it("gives a file over the size limit its size and no bytes, so the engine reports it as too large", async () => {
    const snapshot = await read(tarballOf({ "big.yaml": "a".repeat(5000) }), { maxFileBytes: 1000 });

    expect(snapshot.files).toEqual([{ path: "big.yaml", content: new Uint8Array(), size: 5000 }]);
  });

  it("never follows a symbolic link: a linked manifest is listed as not read, with the reason", async () => {
    const snapshot = await read(
      rawTarball([
        { path: `${ARCHIVE_TOP}/`, type: "5" },
        { path: `${ARCHIVE_TOP}/job.yaml`, type: "2", linkTarget: "/etc/passwd" },
        { path: `${ARCHIVE_TOP}/docs`, type: "2", linkTarget: "../.." },
        { path: `${ARCHIVE_TOP}/real.yaml`, content: "a: 1\n" },
      ]),
    );

    expect(snapshot.tree).toEqual(["real.yaml"]);
    expect(snapshot.unread).toEqual([{ file: "job.yaml", reason: SYMLINK_SKIP_REASON }]);
  });

  it("an entry whose path climbs out of the repository is listed as not read, never kept", async () => {
    const snapshot = await read(
      rawTarball([
        { path: `${ARCHIVE_TOP}/../../evil.yaml`, content: "kind: Job\n" },
        { path: "/etc/evil.yaml", content: "kind: Job\n" },
        { path: `${ARCHIVE_TOP}/ok.yaml`, content: "a: 1\n" },
      ]),
    );

    expect(snapshot.files.map((file) => file.path)).toEqual(["ok.yaml"]);
    expect(snapshot.unread.map((entry) => entry.reason)).toEqual([
      ESCAPING_PATH_SKIP_REASON,
      ESCAPING_PATH_SKIP_REASON,
    ]);
  });

  it.each([
    ["truncated", (data: Buffer) => data.subarray(0, data.length - 20)],
    ["cut in half", (data: Buffer) => data.subarray(0, data.length / 2)],
    ["not gzip at all", () => Buffer.from("<html>rate limited</html>")],
  ])("an archive %s is an error, never a partial commit", async (_label, damage) => {
    const data = tarballOf({ "a.yaml": "kind: Job\n".repeat(200), "b.yaml": "x: 1\n" });

    await expect(read(damage(data))).rejects.toThrow(ArchiveError);
  });

  it.each([
    ["entries", { maxEntries: 3 }, "more than 3 entries"],
    ["bytes of manifests held", { maxKeptBytes: 100 }, "more than 100 bytes of manifests"],
    ["bytes unpacked", { maxUnpackedBytes: 100 }, "unpacks to more than 100 bytes"],
  ])("an archive past the limit on %s is given up", async (_label, limits, message) => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 5; i++) files[`f${i}.yaml`] = "a: 1\n".repeat(10);

    await expect(read(tarballOf(files), limits)).rejects.toThrow(message);
  });
});
