/** Turns file content into text, or says why it is not a text manifest. */
export type DecodeResult = { ok: true; text: string } | { ok: false; reason: string };

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * Decodes bytes as UTF-8 and applies the size limit. Strings are taken as already decoded.
 * @example decodeManifest(new Uint8Array([0, 1]), 1024) // { ok: false, reason: "binary file (NUL byte)" }
 */
export function decodeManifest(
  content: string | Uint8Array,
  maxBytes: number,
  size: number = typeof content === "string" ? content.length : content.byteLength,
): DecodeResult {
  if (size > maxBytes) {
    return {
      ok: false,
      reason: `file is larger than the ${formatBytes(maxBytes)} limit (${formatBytes(size)}); set limits.maxFileBytes to scan it`,
    };
  }
  let text: string;
  if (typeof content === "string") {
    text = content;
  } else {
    if (content.includes(0)) return { ok: false, reason: "binary file (NUL byte)" };
    try {
      text = utf8.decode(content);
    } catch {
      return { ok: false, reason: "not valid UTF-8 text" };
    }
  }
  if (text.includes("\u0000")) return { ok: false, reason: "binary file (NUL byte)" };
  return { ok: true, text };
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024)
    return `${(bytes / (1024 * 1024)).toFixed(bytes % (1024 * 1024) === 0 ? 0 : 1)} MiB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KiB`;
  return `${bytes} bytes`;
}
