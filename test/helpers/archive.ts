import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, sep } from "node:path";
import { gzipSync } from "node:zlib";
import { create } from "tar";

/** GitHub's archives hold everything under one top directory, `owner-repo-shortsha/`. */
export const ARCHIVE_TOP = "Codertocat-Hello-World-2222222";

/** Every path under `root`, relative, with `/`, directories left out (symbolic links included, not followed). */
function listPaths(root: string, dir = root): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? listPaths(root, join(dir, entry.name))
      : [relative(root, join(dir, entry.name)).split(sep).join("/")],
  );
}

/** A gzipped tarball of a directory, shaped as GitHub serves `tarball/{ref}`. */
export function tarballOfDirectory(root: string, top = ARCHIVE_TOP): Buffer {
  const paths = listPaths(root).sort();
  const pack = create({ cwd: root, prefix: top, gzip: true, portable: true, sync: true }, paths);
  const chunks: Buffer[] = [];
  for (let chunk = pack.read(); chunk !== null; chunk = pack.read()) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** A gzipped tarball of the given files (path → content), shaped as GitHub serves it. */
export function tarballOf(files: Record<string, string | Uint8Array>, top = ARCHIVE_TOP): Buffer {
  const root = mkdtempSync(join(tmpdir(), "archive-"));
  try {
    for (const [path, content] of Object.entries(files)) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), content);
    }
    return tarballOfDirectory(root, top);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

export interface RawTarEntry {
  path: string;
  /** "0" file, "2" symbolic link, "5" directory. */
  type?: "0" | "2" | "5";
  content?: string;
  linkTarget?: string;
}

/**
 * A gzipped tarball written header by header, for what `tar.create` refuses to make: entries that climb out with
 * `..`, absolute paths, links to anywhere.
 */
export function rawTarball(entries: readonly RawTarEntry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const entry of entries) {
    const content = Buffer.from(entry.content ?? "");
    const header = Buffer.alloc(512);
    const field = (offset: number, length: number, value: string) =>
      header.write(value, offset, length, "utf8");
    const octal = (offset: number, length: number, value: number) =>
      field(offset, length, `${value.toString(8).padStart(length - 1, "0")}\0`);
    field(0, 100, entry.path);
    octal(100, 8, 0o644);
    octal(108, 8, 0);
    octal(116, 8, 0);
    octal(124, 12, content.length);
    octal(136, 12, 0);
    field(156, 1, entry.type ?? "0");
    field(157, 100, entry.linkTarget ?? "");
    field(257, 8, "ustar\u000000");
    field(148, 8, "        ");
    const checksum = header.reduce((sum, byte) => sum + byte, 0);
    field(148, 8, `${checksum.toString(8).padStart(6, "0")}\0 `);
    blocks.push(header, content, Buffer.alloc((512 - (content.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(blocks));
}
