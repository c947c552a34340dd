import { isScalar, type Node } from "yaml";
import { PLACEHOLDER } from "./helm-mask.js";
import { scalarText, type ParsedManifestFile } from "./parse-manifests.js";

/**
 * A scalar's text as the user wrote it: where Helm template masking hid it, read back from the original file
 * (quotes removed), so that messages show `{{ .Values.name }}` and Application paths keep `{{ .path.path }}`.
 * Returns null for a missing value or a non-scalar.
 */
export function writtenText(file: ParsedManifestFile, node: unknown): string | null {
  if (!isScalar(node) || node.value === null || node.value === undefined) return null;
  const value = scalarText(node.value);
  if (!value.includes(PLACEHOLDER)) return value;
  const range = (node as Node).range;
  if (!range) return value;
  const raw = file.text.slice(range[0], range[1]).trim();
  return /^(["']).*\1$/s.test(raw) ? raw.slice(1, -1) : raw;
}
