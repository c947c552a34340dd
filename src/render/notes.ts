import type { ScanResult } from "../engine/types.js";

/**
 * Everything the user should know about a scan as a whole, for every output format: the scan's own notes and those
 * of each Application (a remote kustomize resource or a Helm repository chart not scanned, a templated path).
 */
export function scanNotes(result: ScanResult): string[] {
  return [
    ...result.notes,
    ...result.apps.flatMap((app) =>
      app.notes.map((note) => `${app.kind} "${app.name}" (${app.file}): ${note}`),
    ),
  ];
}
