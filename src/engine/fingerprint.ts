/** FNV-1a, 64-bit, as 16 hex digits: a stable, dependency-free fingerprint (not a security hash). */
export function fingerprintOf(...parts: readonly string[]): string {
  let hash = 0xcbf29ce484222325n;
  const prime = 0x100000001b3n;
  for (const char of parts.join("\u0000")) {
    hash ^= BigInt(char.codePointAt(0) ?? 0);
    hash = (hash * prime) & 0xffffffffffffffffn;
  }
  return hash.toString(16).padStart(16, "0");
}

/**
 * A digest of a text, as 16 hex digits: two 32-bit FNV-1a hashes with different offsets. Cheap enough to take of
 * every Job with a finding (the 64-bit fingerprint above costs a BigInt operation per character).
 */
export function digestOf(text: string): string {
  let first = 0x811c9dc5;
  let second = 0x01000193 ^ text.length;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    first = Math.imul(first ^ code, 0x01000193);
    second = Math.imul(second ^ code, 0x01000193) ^ (second >>> 15);
  }
  return (first >>> 0).toString(16).padStart(8, "0") + (second >>> 0).toString(16).padStart(8, "0");
}
