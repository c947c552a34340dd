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
import { findMap, findPair, lineStart, nextLineStart, nodeRange } from "../manifests/yaml-nodes.js";
import { editBlocker } from "./shared-nodes.js";
import type { TextEdit } from "../types.js";
import { applyEdits, takeNonConflicting, unifiedDiff } from "./text-edit.js";

/** ESLint's SourceCodeFixer stops after 10 passes too: a fix that keeps asking for another is a bug. */
const MAX_FIX_PASSES = 10;

/**
 * Every re-check parses text again. First the fixes of consecutive documents are re-checked together, a chunk of the
 * file in one parse (see checkInChunks); a fix whose chunk fails is re-checked on the Job's own lines, and the Jobs
 * of a List that must fall back to their whole document (they use an anchor defined elsewhere in it) together in one
 * parse of it; only when that fails is each re-checked on the whole document alone, which could make a file of many
 * such Jobs quadratic: the bytes re-parsed per file are capped at three times its size (each byte once in its chunk,
 * once on its own, once in a document re-checked as a whole), past which fixes are withdrawn, saying why.
 */
export const RECHECK_BUDGET_FACTOR = 3;
export const RECHECK_BUDGET_MIN = 256 * 1024;

/**
 * Documents are re-checked together up to this many bytes (a larger document is a chunk of its own): one parse per
 * chunk instead of one per Job, which was a third of a scan of a file of many small Jobs, and a failed chunk costs
 * only its own bytes again.
 */
export const RECHECK_CHUNK_BYTES = 64 * 1024;

/** Findings of one file, each fix proven by re-scanning the fixed text (or withdrawn). */
export function verifiedFindings(
  file: ParsedManifestFile,
  context: FileContext,
  apps: readonly AppObject[],
): RawFinding[] {
  const findings = rawFindings(file, context, apps);
  const index = indexFile(file, findings);
  const budget = { bytes: RECHECK_BUDGET_FACTOR * file.text.length + RECHECK_BUDGET_MIN };
  const outcomes = checkInChunks(file, context, index, findings, budget);
  const needDocument = new Map<number, RawFinding[]>();
  for (const finding of findings) {
    if (!finding.fix || outcomes.has(finding)) continue;
    const checked = checkFix(file, context, index, finding, finding.fix.edits, budget);
    if (checked === "document") {
      const docIndex = index.objects.get(finding.objectKey)?.docIndex ?? -1;
      needDocument.set(docIndex, [...(needDocument.get(docIndex) ?? []), finding]);
    } else outcomes.set(finding, checked);
  }
  for (const pending of needDocument.values()) {
    const together = checkTogether(file, context, index, pending, budget);
    for (const finding of pending) {
      const object = index.objects.get(finding.objectKey);
      const edits = finding.fix?.edits ?? [];
      const checked: FixCheck =
        together.has(finding) && object
          ? { diff: diffAround(file, object, edits) }
          : checkInDocument(file, context, index, finding, edits, budget);
      outcomes.set(finding, checked);
    }
  }
  return findings.map((finding) => {
    const checked = outcomes.get(finding);
    if (!finding.fix || !checked) return finding;
    if ("problem" in checked)
      return { ...finding, fix: null, noFixReason: `no automatic fix: ${checked.problem}` };
    return { ...finding, fix: { ...finding.fix, diff: checked.diff } };
  });
}

type FixCheck = { diff: string } | { problem: string };

/** Objects and findings by key, built once per file: looking them up per finding made many Jobs quadratic. */
interface FileIndex {
  objects: Map<string, ManifestObject>;
  objectsOfDocument: Map<number, ManifestObject[]>;
  findingsOf: Map<string, RawFinding[]>;
}

function indexFile(file: ParsedManifestFile, findings: readonly RawFinding[]): FileIndex {
  const objects = new Map<string, ManifestObject>();
  const objectsOfDocument = new Map<number, ManifestObject[]>();
  for (const object of file.objects) {
    objects.set(objectKeyOf(object), object);
    const inDocument = objectsOfDocument.get(object.docIndex);
    if (inDocument) inDocument.push(object);
    else objectsOfDocument.set(object.docIndex, [object]);
  }
  const findingsOf = new Map<string, RawFinding[]>();
  for (const finding of findings) {
    const list = findingsOf.get(finding.objectKey);
    if (list) list.push(finding);
    else findingsOf.set(finding.objectKey, [finding]);
  }
  return { objects, objectsOfDocument, findingsOf };
}

/**
 * The text a fix is re-checked on, by offsets in the file. `blank` (the `- ` before a List item) is parsed as spaces,
 * so that the item stands alone as a document at its own indentation. `keyOf` maps an object of the re-parsed text
 * to the key of the object it is in the file.
 */
interface RecheckScope {
  start: number;
  end: number;
  blank: [number, number] | null;
  objects: readonly ManifestObject[];
  keyOf: (object: ManifestObject) => string;
  /** Documents the scan hid (see hideIrrelevantDocuments) must be hidden again, or the objects would not match. */
  hidesIrrelevant?: boolean;
}

/**
 * Re-scans the fixed text: the Job's own lines when they parse alone (a List item), else its YAML document. Edits
 * stay inside that text, so nothing else of the file is parsed again. Returns the fix's diff, why it is withdrawn,
 * or "document" when the fix must be re-checked on its whole document (see checkTogether).
 */
function checkFix(
  file: ParsedManifestFile,
  context: FileContext,
  index: FileIndex,
  finding: RawFinding,
  edits: readonly TextEdit[],
  budget: { bytes: number },
): FixCheck | "document" {
  const object = index.objects.get(finding.objectKey);
  if (!object) return { problem: "the fixed object could not be found again" };
  const blocked = editBlocker(file, object);
  if (blocked) return { problem: blocked };
  const [docStart, docEnd] = object.docRange;
  if (edits.some((e) => e.start < docStart || e.end > docEnd))
    return { problem: "its edits reach outside the Job's document" };
  if (docStart !== lineStart(file.text, docStart))
    return { problem: "the document does not start on a line of its own" };
  const itemScope = listItemScope(file, object, edits);
  const checked = itemScope ? recheck(file, context, index, [{ finding, edits }], itemScope, budget) : null;
  // An item that does not parse alone (it uses an anchor set elsewhere in the List): its whole document.
  if (checked === null || "unparsable" in checked) return "document";
  if ("problem" in checked) return checked;
  return { diff: diffAround(file, object, edits) };
}

function documentScope(index: FileIndex, object: ManifestObject): RecheckScope {
  const [start, end] = object.docRange;
  return {
    start,
    end,
    blank: null,
    objects: index.objectsOfDocument.get(object.docIndex) ?? [object],
    keyOf: (o) => `${object.docIndex}:${o.itemIndex ?? "-"}`,
  };
}

/** One fix re-checked on its whole document, alone. */
function checkInDocument(
  file: ParsedManifestFile,
  context: FileContext,
  index: FileIndex,
  finding: RawFinding,
  edits: readonly TextEdit[],
  budget: { bytes: number },
): FixCheck {
  const object = index.objects.get(finding.objectKey);
  if (!object) return { problem: "the fixed object could not be found again" };
  const checked = recheck(file, context, index, [{ finding, edits }], documentScope(index, object), budget);
  if ("unparsable" in checked) return { problem: checked.unparsable };
  if ("problem" in checked) return checked;
  return { diff: diffAround(file, object, edits) };
}

/**
 * Re-checks the fixes of several Jobs of one document in a single parse of it, all applied: one parse instead of one
 * per Job. Returns the findings whose fixes that proves (all of them or none); the caller re-checks the others
 * alone. It proves each fix alone too, because each Job reads the same with only its own fix applied: a rule judges
 * one Job at a time, from its content only; each fix taken here is the only one on its Job and edits only that
 * Job's own text; and the fixed document must keep every object's content, names included, except the annotations
 * a fix may set (and the name of a Job whose own fix renames it), so no edit reached another Job through an anchor
 * or alias.
 */
function checkTogether(
  file: ParsedManifestFile,
  context: FileContext,
  index: FileIndex,
  pending: readonly RawFinding[],
  budget: { bytes: number },
): ReadonlySet<RawFinding> {
  const targets = soleFixes(pending, index);
  const first = targets[0]?.object;
  if (targets.length < 2 || !first) return new Set();
  const scope = documentScope(index, first);
  const checked = recheck(file, context, index, targets, scope, budget, renamedBy(targets));
  return new Set("ok" in checked ? targets.map((t) => t.finding) : []);
}

/**
 * Re-checks the fixes of consecutive whole documents together, a chunk at a time, all applied: each is proven alone
 * for the reasons checkTogether gives, and documents are independent in YAML (an anchor never reaches past its
 * document). Only a Job's sole fix, editing inside the Job, is taken. Returns the fixes proven; the others, and all
 * of a chunk that fails, are left to the checks one Job at a time. A template (masked before parsing) or a file with
 * a document that did not parse is not chunked: a chunk of it could parse differently from the file.
 */
function checkInChunks(
  file: ParsedManifestFile,
  context: FileContext,
  index: FileIndex,
  findings: readonly RawFinding[],
  budget: { bytes: number },
): Map<RawFinding, FixCheck> {
  const outcomes = new Map<RawFinding, FixCheck>();
  if (file.helm !== null || file.problems.length > 0 || file.text.includes("{{")) return outcomes;
  let chunk: { first: ManifestObject; last: ManifestObject; targets: RecheckTarget[] } | null = null;
  const flush = () => {
    if (!chunk || chunk.targets.length < 2) return;
    const scope = chunkScope(file, index, chunk.first, chunk.last);
    const checked = recheck(file, context, index, chunk.targets, scope, budget, renamedBy(chunk.targets));
    if (!("ok" in checked)) return;
    for (const { finding, edits, object } of chunk.targets)
      outcomes.set(finding, { diff: diffAround(file, object, edits) });
  };
  for (const target of soleFixes(findings, index)) {
    const { object } = target;
    if (object.docRange[0] !== lineStart(file.text, object.docRange[0]) || editBlocker(file, object))
      continue;
    const grown =
      chunk && object.docIndex !== chunk.last.docIndex ? object.docRange[1] - chunk.first.docRange[0] : 0;
    if (grown > RECHECK_CHUNK_BYTES) {
      flush();
      chunk = null;
    }
    chunk ??= { first: object, last: object, targets: [] };
    chunk.last = object;
    chunk.targets.push(target);
  }
  flush();
  return outcomes;
}

/** The whole documents from the first object's to the last's, with every object in them. */
function chunkScope(
  file: ParsedManifestFile,
  index: FileIndex,
  first: ManifestObject,
  last: ManifestObject,
): RecheckScope {
  const objects: ManifestObject[] = [];
  for (let doc = first.docIndex; doc <= last.docIndex; doc++)
    objects.push(...(index.objectsOfDocument.get(doc) ?? []));
  return {
    start: first.docRange[0],
    end: last.docRange[1],
    blank: null,
    objects,
    keyOf: (o) => `${first.docIndex + o.docIndex}:${o.itemIndex ?? "-"}`,
    hidesIrrelevant: file.parsedText !== file.text,
  };
}

interface RecheckTarget {
  finding: RawFinding;
  edits: readonly TextEdit[];
  object: ManifestObject;
}

/** The fixes that may be re-checked with others: each the only fix on its Job, and editing only inside the Job. */
function soleFixes(findings: readonly RawFinding[], index: FileIndex): RecheckTarget[] {
  const fixesOn = new Map<string, number>();
  for (const finding of findings)
    if (finding.fix) fixesOn.set(finding.objectKey, (fixesOn.get(finding.objectKey) ?? 0) + 1);
  const targets: RecheckTarget[] = [];
  for (const finding of findings) {
    const object = index.objects.get(finding.objectKey);
    const range = object?.node.range;
    const edits = finding.fix?.edits ?? [];
    if (!finding.fix || !object || !range || fixesOn.get(finding.objectKey) !== 1) continue;
    if (edits.some((e) => e.start < range[0] || e.end > range[2])) continue;
    targets.push({ finding, edits, object });
  }
  return targets;
}

/** The Jobs whose own fix renames them: the only ones whose name may change in a re-check together. */
function renamedBy(targets: readonly RecheckTarget[]): Set<string> {
  return new Set(
    targets.flatMap(({ finding, edits, object }) =>
      edits.some((e) => touchesName(object, e)) ? [finding.objectKey] : [],
    ),
  );
}

/** Whether an edit reaches the text of the object's metadata.name or metadata.generateName. */
function touchesName(object: ManifestObject | undefined, edit: TextEdit): boolean {
  const metadata = findMap(object?.node ?? null, "metadata");
  return ["name", "generateName"].some((key) => {
    const pair = findPair(metadata, key);
    const start = nodeRange(pair?.key)?.[0];
    const end = nodeRange(pair?.value)?.[1];
    return start !== undefined && end !== undefined && edit.start <= end && edit.end >= start;
  });
}

/** A List item that is a block map written on lines of its own can be parsed alone, which is far cheaper. */
function listItemScope(
  file: ParsedManifestFile,
  object: ManifestObject,
  edits: readonly TextEdit[],
): RecheckScope | null {
  const range = object.node.range;
  if (object.itemIndex === null || object.node.flow || !range) return null;
  const [itemStart, valueEnd] = range;
  const text = file.text;
  let start = lineStart(text, itemStart);
  if (!/^[ -]*$/.test(text.slice(start, itemStart))) return null;
  // An item that may set an anchor (any `&`, to be cheap) is re-checked with the items that may alias it.
  if (text.slice(itemStart, valueEnd).includes("&")) return null;
  const blank: [number, number] = [start, itemStart];
  // A suppression comment on the line above an item's first key (`kind:`) must come along.
  const previous = lineStart(text, start - 1);
  if (start > object.docRange[0] && text.slice(previous, start).trimStart().startsWith("#")) start = previous;
  const end = valueEnd > 0 && text[valueEnd - 1] === "\n" ? valueEnd : nextLineStart(text, valueEnd);
  if (edits.some((e) => e.start < itemStart || e.end > end)) return null;
  const key = objectKeyOf(object);
  return { start, end, blank, objects: [object], keyOf: () => key };
}

type Recheck = { ok: true } | { problem: string } | { unparsable: string };

/**
 * Re-scans the scope with the fixes applied. `renamedOnly`, for fixes re-checked together: every object keeps its
 * name and generateName except the objects listed (whose own fix renames them).
 */
function recheck(
  file: ParsedManifestFile,
  context: FileContext,
  index: FileIndex,
  targets: readonly { finding: RawFinding; edits: readonly TextEdit[] }[],
  scope: RecheckScope,
  budget: { bytes: number },
  renamedOnly: ReadonlySet<string> | null = null,
): Recheck {
  const { start, end } = scope;
  if (end - start > budget.bytes)
    return {
      problem: `re-checking it would parse its ${Math.ceil((end - start) / 1024)} KiB document again, past the limit for one file`,
    };
  budget.bytes -= end - start;
  if (context.recheckWork) {
    context.recheckWork.parses++;
    context.recheckWork.bytes += end - start;
  }
  const applied = applyEdits(
    file.text.slice(start, end),
    targets.flatMap(({ edits }) => edits.map((e) => ({ ...e, start: e.start - start, end: e.end - start }))),
  );
  if (applied.rejected.length > 0) return { problem: "its edits overlap" };
  // Edits never reach before the item, so the blanked prefix sits at the same offsets in the fixed text.
  const parsed = scope.blank
    ? applied.text.slice(0, scope.blank[0] - start) +
      " ".repeat(scope.blank[1] - scope.blank[0]) +
      applied.text.slice(scope.blank[1] - start)
    : applied.text;
  const outcome = parseManifestFile(file.path, parsed, { onlyJobsAndApps: scope.hidesIrrelevant === true });
  if (!outcome.ok) return { unparsable: `the fixed file would not parse (${outcome.reason})` };
  if (outcome.file.problems.length > 0)
    return { unparsable: `the fixed file would not parse (${outcome.file.problems.join("; ")})` };
  const fixedKeys = new Set(targets.map(({ finding }) => finding.objectKey));
  const lost = lostContent(scope.objects, outcome.file.objects, fixedKeys);
  if (lost) return { problem: lost };
  // Findings are matched by object key: a re-parse that numbers its documents otherwise would match the wrong Jobs.
  if (!outcome.file.objects.every((o, i) => scope.keyOf(o) === objectKeyOf(scope.objects[i] ?? o)))
    return { unparsable: "the fixed text would not hold its objects in the same documents" };
  if (renamedOnly && !namesKept(scope.objects, outcome.file.objects, renamedOnly))
    return { problem: "a name changed that no fix renames" };
  const localKey = (f: RawFinding, objectKey: string) => `${f.rule}@${objectKey}#${f.subject}`;
  const after = rawFindings(outcome.file, context, []);
  const reparsedKey = new Map(outcome.file.objects.map((o) => [objectKeyOf(o), scope.keyOf(o)]));
  const afterKeys = new Set(after.map((f) => localKey(f, reparsedKey.get(f.objectKey) ?? f.objectKey)));
  if (targets.some(({ finding }) => afterKeys.has(localKey(finding, finding.objectKey))))
    return { problem: "the finding remains after the fix" };
  const known = new Set(
    scope.objects.flatMap((o) =>
      (index.findingsOf.get(objectKeyOf(o)) ?? []).map((f) => localKey(f, f.objectKey)),
    ),
  );
  const unfixable = after.find(
    (f) => f.fix === null && !known.has(localKey(f, reparsedKey.get(f.objectKey) ?? f.objectKey)),
  );
  if (unfixable) return { problem: `it would bring up ${unfixable.rule}, which has no fix` };
  return { ok: true };
}

/** Lines of context a unified diff shows around a change. */
const DIFF_CONTEXT = 3;

/**
 * The fix's diff, computed on the changed lines and their context only (never past the Job's document, whose
 * boundaries the diff used to stop at), so a fix in a large document costs its own size, not the document's.
 */
function diffAround(file: ParsedManifestFile, object: ManifestObject, edits: readonly TextEdit[]): string {
  const starts = file.lineCounter.lineStarts;
  const [docStart, docEnd] = object.docRange;
  const first = Math.min(...edits.map((e) => e.start));
  const last = Math.max(...edits.map((e) => e.end));
  const firstLine = file.lineCounter.linePos(first).line - 1 - DIFF_CONTEXT;
  const lastLine = file.lineCounter.linePos(last).line - 1 + DIFF_CONTEXT + 1;
  const start = Math.max(docStart, starts[Math.max(0, firstLine)] ?? 0);
  const end = Math.min(docEnd, starts[lastLine] ?? file.text.length);
  const before = file.text.slice(start, end);
  const after = applyEdits(
    before,
    edits.map((e) => ({ ...e, start: e.start - start, end: e.end - start })),
  ).text;
  return unifiedDiff(file.path, before, after, file.lineCounter.linePos(start).line - 1);
}
const EDITABLE_METADATA = new Set(["annotations", "name", "generateName"]);
/** The only annotations whose values a fix may change; every other one must come out as it went in. */
const FIXED_ANNOTATIONS = new Set<string>([
  ANNOTATION.hook,
  ANNOTATION.hookDeletePolicy,
  ANNOTATION.syncOptions,
  ANNOTATION.helmHookDeletePolicy,
]);

/**
 * The fixed document must hold the same objects; the fixed ones changed only in metadata annotations and
 * name/generateName, every other one not at all (an edit may reach it through an anchor or alias).
 */
function lostContent(
  before: readonly ManifestObject[],
  after: readonly ManifestObject[],
  fixed: ReadonlySet<string>,
): string | null {
  if (before.length !== after.length) return "the fixed file would hold a different number of objects";
  for (let i = 0; i < before.length; i++) {
    const a = before[i]?.value ?? {};
    const b = after[i]?.value ?? {};
    const original = before[i];
    if (original && !fixed.has(objectKeyOf(original))) {
      if (!deepEqual(a, b)) return "the fix would change another object in the document";
      continue;
    }
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

function namesKept(
  before: readonly ManifestObject[],
  after: readonly ManifestObject[],
  renamed: ReadonlySet<string>,
): boolean {
  const names = (o: ManifestObject | undefined) => {
    const metadata = isRecord(o?.value.metadata) ? o.value.metadata : {};
    return [metadata.name, metadata.generateName];
  };
  return before.every((o, i) => renamed.has(objectKeyOf(o)) || deepEqual(names(o), names(after[i])));
}

/** Applies safe fixes in passes until none is left (at most MAX_FIX_PASSES). */
export function fixText(
  file: ParsedManifestFile,
  context: FileContext,
  declined: ReadonlySet<string> = new Set(),
): string {
  let current = file;
  for (let pass = 0; pass < MAX_FIX_PASSES; pass++) {
    const findings = verifiedFindings(current, context, []);
    const edits = findings.flatMap((f) =>
      f.fix?.kind === "safe" && !declined.has(f.fingerprint) ? [f.fix.edits] : [],
    );
    if (edits.length === 0) break;
    // Fixes that touch the same text wait for the next pass, where they are computed again on the new text.
    const taken = takeNonConflicting(edits);
    const text = applyEdits(current.text, taken).text;
    const outcome = parseManifestFile(file.path, text);
    if (!outcome.ok || text === current.text) break;
    current = outcome.file;
  }
  return current.text;
}
