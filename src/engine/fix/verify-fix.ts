import { ANNOTATION } from "../argocd/annotations.js";
import {
  rawFindings,
  objectKeyOf,
  type AppObject,
  type FileContext,
  type RawFinding,
} from "../file-findings.js";
import { deepEqual } from "../immutable/job-update.js";
import {
  isRecord,
  parseManifestFile,
  type ManifestObject,
  type ParsedManifestFile,
} from "../manifests/parse-manifests.js";
import { lineStart } from "../manifests/yaml-nodes.js";
import type { TextEdit } from "../types.js";
import { applyEdits, editsConflict, unifiedDiff } from "./text-edit.js";

/** ESLint's SourceCodeFixer stops after 10 passes too: a fix that keeps asking for another is a bug. */
const MAX_FIX_PASSES = 10;

/** Findings of one file, each fix proven by re-scanning the fixed text (or withdrawn). */
export function verifiedFindings(
  file: ParsedManifestFile,
  context: FileContext,
  apps: readonly AppObject[],
): RawFinding[] {
  const findings = rawFindings(file, context, apps);
  return findings.map((finding) => {
    if (!finding.fix) return finding;
    const checked = checkFix(file, context, findings, finding, finding.fix.edits);
    if ("problem" in checked)
      return { ...finding, fix: null, noFixReason: `no automatic fix: ${checked.problem}` };
    return { ...finding, fix: { ...finding.fix, diff: checked.diff } };
  });
}

/**
 * Re-scans the fixed text. Edits stay inside the finding's YAML document, so only that document is parsed again
 * (a fix re-parses a fifth of a five-document file, not all of it). Returns the fix's diff, or why it is withdrawn.
 */
function checkFix(
  file: ParsedManifestFile,
  context: FileContext,
  before: readonly RawFinding[],
  finding: RawFinding,
  edits: readonly TextEdit[],
): { diff: string } | { problem: string } {
  const object = file.objects.find((o) => objectKeyOf(o) === finding.objectKey);
  if (!object) return { problem: "the fixed object could not be found again" };
  const [start, end] = object.docRange;
  if (edits.some((e) => e.start < start || e.end > end))
    return { problem: "its edits reach outside the Job's document" };
  if (start !== lineStart(file.text, start))
    return { problem: "the document does not start on a line of its own" };
  const beforeText = file.text.slice(start, end);
  const applied = applyEdits(
    beforeText,
    edits.map((e) => ({ ...e, start: e.start - start, end: e.end - start })),
  );
  if (applied.rejected.length > 0) return { problem: "its edits overlap" };
  const outcome = parseManifestFile(file.path, applied.text);
  if (!outcome.ok) return { problem: `the fixed file would not parse (${outcome.reason})` };
  if (outcome.file.problems.length > 0)
    return { problem: `the fixed file would not parse (${outcome.file.problems.join("; ")})` };
  const beforeObjects = file.objects.filter((o) => o.docIndex === object.docIndex);
  const lost = lostContent(beforeObjects, outcome.file.objects);
  if (lost) return { problem: lost };
  // Inside the re-parsed document the object is document 0: compare findings by rule and item.
  const local = (f: RawFinding) => `${f.rule}@${f.objectKey.slice(f.objectKey.indexOf(":"))}#${f.subject}`;
  const sameDocument = before.filter((f) => f.objectKey.startsWith(`${object.docIndex}:`));
  const after = rawFindings(outcome.file, context, []);
  if (after.some((f) => local(f) === local(finding))) return { problem: "the finding remains after the fix" };
  const known = new Set(sameDocument.map(local));
  const unfixable = after.find((f) => !known.has(local(f)) && f.fix === null);
  if (unfixable) return { problem: `it would bring up ${unfixable.rule}, which has no fix` };
  const firstLine = file.lineCounter.linePos(start).line;
  return { diff: unifiedDiff(file.path, beforeText, applied.text, firstLine - 1) };
}

const EDITABLE_METADATA = new Set(["annotations", "name", "generateName"]);
/** The only annotations whose values a fix may change; every other one must come out as it went in. */
const FIXED_ANNOTATIONS = new Set<string>([
  ANNOTATION.hook,
  ANNOTATION.hookDeletePolicy,
  ANNOTATION.syncOptions,
  ANNOTATION.helmHookDeletePolicy,
]);

/** The fixed document must hold the same objects, changed only in metadata annotations and name/generateName. */
function lostContent(before: readonly ManifestObject[], after: readonly ManifestObject[]): string | null {
  if (before.length !== after.length) return "the fixed file would hold a different number of objects";
  for (let i = 0; i < before.length; i++) {
    const a = before[i]?.value ?? {};
    const b = after[i]?.value ?? {};
    const strip = (value: Record<string, unknown>) => {
      const metadata = isRecord(value.metadata) ? value.metadata : {};
      const kept = Object.fromEntries(Object.entries(metadata).filter(([k]) => !EDITABLE_METADATA.has(k)));
      return { ...value, metadata: kept };
    };
    if (!deepEqual(strip(a), strip(b)))
      return "the fix would change more than the Job's annotations and name";
    const annotationsBefore =
      isRecord(a.metadata) && isRecord(a.metadata.annotations) ? a.metadata.annotations : {};
    const annotationsAfter =
      isRecord(b.metadata) && isRecord(b.metadata.annotations) ? b.metadata.annotations : {};
    for (const [key, value] of Object.entries(annotationsBefore)) {
      if (!(key in annotationsAfter)) return `the fix would drop the annotation ${key}`;
      if (!FIXED_ANNOTATIONS.has(key) && !deepEqual(value, annotationsAfter[key])) {
        return `the fix would change the annotation ${key}`;
      }
    }
  }
  return null;
}

/** Applies safe fixes in passes until none is left (at most MAX_FIX_PASSES). */
export function fixText(file: ParsedManifestFile, context: FileContext): string {
  let current = file;
  for (let pass = 0; pass < MAX_FIX_PASSES; pass++) {
    const findings = verifiedFindings(current, context, []);
    const edits = findings.flatMap((f) => (f.fix?.kind === "safe" ? [f.fix.edits] : []));
    if (edits.length === 0) break;
    // Fixes that touch the same text wait for the next pass, where they are computed again on the new text.
    const taken: TextEdit[] = [];
    for (const group of edits) if (!editsConflict(group, taken)) taken.push(...group);
    const text = applyEdits(current.text, taken).text;
    const outcome = parseManifestFile(file.path, text);
    if (!outcome.ok || text === current.text) break;
    current = outcome.file;
  }
  return current.text;
}
