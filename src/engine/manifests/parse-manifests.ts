import {
  LineCounter,
  isMap,
  isScalar,
  isSeq,
  parseAllDocuments,
  visit,
  type Document,
  type YAMLMap,
} from "yaml";
import { maskTemplateActions, type MaskedText } from "./helm-mask.js";
import { hideIrrelevantDocuments } from "./prefilter.js";

/** Kinds whose content the engine reads (documents without a kind, like kustomization files, too). */
const VALUE_KINDS = new Set(["Job", "Application", "ApplicationSet", "List", "Kustomization", "Component"]);

/** Anchors/aliases beyond this count are treated as an alias bomb (yaml's own guard). */
export const MAX_ALIAS_COUNT = 100;

/** One Kubernetes object of a file: a top-level document, or an item of a `kind: List`. */
export interface ManifestObject {
  /** 0-based index of the YAML document in the file. */
  docIndex: number;
  /** Index inside `items` of a `kind: List`, else null. */
  itemIndex: number | null;
  node: YAMLMap;
  /** The object as plain data; only built for the kinds the engine reads (see VALUE_KINDS), else empty. */
  value: Record<string, unknown>;
  /** Offsets of the whole YAML document holding the object, `---` included. */
  docRange: [number, number];
  apiVersion: string | null;
  kind: string | null;
}

export interface ParsedManifestFile {
  path: string;
  /** The text as written (what edits apply to). */
  text: string;
  /** The text the YAML parser saw: equal to `text` unless Helm template actions were masked. */
  parsedText: string;
  helm: MaskedText | null;
  lineCounter: LineCounter;
  objects: ManifestObject[];
  /** Documents that could not be read, with why; the file is still analysed for the others. */
  problems: string[];
}

export interface ParseOptions {
  /** Skip documents that name no Job, List or Argo CD app (see hideIrrelevantDocuments). */
  onlyJobsAndApps?: boolean;
}

export type ParseOutcome = { ok: true; file: ParsedManifestFile } | { ok: false; reason: string };

/**
 * Parses a manifest file into Kubernetes objects with source positions.
 * Multi-document files, `kind: List`, CRLF and a BOM are handled; Helm templates are masked first.
 * A file none of whose documents can be read is reported as not analysed, with the reason.
 * @example parseManifestFile("a.yaml", "kind: Job\nmetadata: {name: x}\n").ok === true
 */
export function parseManifestFile(path: string, text: string, options: ParseOptions = {}): ParseOutcome {
  const isTemplate = text.includes("{{") && !actionsAreText(path, text);
  let helm = isTemplate ? maskTemplateActions(text) : null;
  // Lines are counted on the original text: hidden documents have lost their newlines in parsedText.
  const lineCounter = new LineCounter();
  lineCounter.addNewLine(0);
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) lineCounter.addNewLine(i + 1);
  const parse = (visible: string) => {
    const parsedText = options.onlyJobsAndApps ? hideIrrelevantDocuments(visible) : visible;
    const documents = parseAllDocuments(parsedText, {
      // Helm if/else branches both stay visible after masking, so keys may repeat in a template.
      uniqueKeys: helm === null,
      // Argo CD's YAML parser honours merge keys (`<<: *defaults`): a hook annotation may come from one.
      merge: true,
      prettyErrors: false,
    }) as Document.Parsed[];
    return { parsedText, documents };
  };
  let parsedText: string;
  let documents: Document.Parsed[];
  try {
    ({ parsedText, documents } = parse(helm ? helm.text : text));
    if (helm && Array.isArray(documents) && documents.some((doc) => doc.errors.length > 0)) {
      // A template-only line opening a block scalar: try again with such lines as comments.
      const commented = maskTemplateActions(text, true);
      const retry = parse(commented.text);
      if (Array.isArray(retry.documents) && retry.documents.every((doc) => doc.errors.length === 0)) {
        helm = commented;
        ({ parsedText, documents } = retry);
      }
    }
  } catch (error) {
    return { ok: false, reason: `YAML could not be parsed: ${errorMessage(error)}` };
  }
  if (!Array.isArray(documents)) {
    // yaml returns an EmptyStream for a file with no documents.
    documents = [];
  }
  const objects: ManifestObject[] = [];
  const problems: string[] = [];
  documents.forEach((doc, docIndex) => {
    const fatal = doc.errors[0];
    if (fatal) {
      const line = lineCounter.linePos(fatal.pos[0]).line;
      const where = line ? `line ${line}` : `document ${docIndex + 1}`;
      const reason = helm
        ? `Helm template could not be analysed without rendering (${where}: ${firstLine(fatal.message)})`
        : `invalid YAML (${where}: ${firstLine(fatal.message)})`;
      problems.push(reason);
      return;
    }
    if (!isMap(doc.contents)) return;
    // Up to where the next document starts: trailing comments and newlines belong to this one.
    const docRange: [number, number] = [doc.range[0], documents[docIndex + 1]?.range[0] ?? parsedText.length];
    const kind = doc.contents.get("kind");
    let value: unknown = { kind, apiVersion: doc.contents.get("apiVersion") };
    // Building plain data costs as much as a third of parsing: only for what the engine reads.
    if (typeof kind !== "string" || VALUE_KINDS.has(kind)) {
      try {
        value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
      } catch (error) {
        problems.push(`document ${docIndex + 1} not analysed: ${errorMessage(error)}`);
        return;
      }
    }
    if (!isRecord(value)) return;
    const top = toObject(docIndex, null, doc.contents, value, docRange);
    if (top.kind === "List" && isSeq(doc.contents.get("items"))) {
      const itemsNode = doc.contents.get("items");
      const itemsValue = Array.isArray(value.items) ? (value.items as unknown[]) : [];
      if (isSeq(itemsNode)) {
        itemsNode.items.forEach((item, itemIndex) => {
          const itemValue = itemsValue[itemIndex];
          if (isMap(item) && isRecord(itemValue))
            objects.push(toObject(docIndex, itemIndex, item, itemValue, docRange));
        });
      }
      return;
    }
    objects.push(top);
  });
  if (objects.length === 0 && problems.length > 0) {
    return { ok: false, reason: problems.join("; ") };
  }
  return { ok: true, file: { path, text, parsedText, helm, lineCounter, objects, problems } };
}

/**
 * Only a chart's `templates/` are Helm templates. Elsewhere a file with `{{` in it is YAML like any other when it
 * parses and every `{{` sits inside a string (an ApplicationSet's `templatePatch: |`, a quoted `'{{ .path.path }}'`):
 * Argo CD reads the string as it is, and masking would break a block scalar that starts with a template action.
 */
function actionsAreText(path: string, text: string): boolean {
  if (/(^|\/)templates\//.test(path)) return false;
  let documents: Document.Parsed[];
  try {
    documents = parseAllDocuments(text, { merge: true, prettyErrors: false }) as Document.Parsed[];
  } catch {
    return false;
  }
  if (!Array.isArray(documents) || documents.some((doc) => doc.errors.length > 0)) return false;
  const scalarRanges: [number, number][] = [];
  for (const doc of documents) {
    visit(doc, {
      Scalar(_key, node) {
        if (isScalar(node) && node.range) scalarRanges.push([node.range[0], node.range[1]]);
      },
    });
  }
  scalarRanges.sort((a, b) => a[0] - b[0]);
  let index = 0;
  for (let open = text.indexOf("{{"); open !== -1; open = text.indexOf("{{", open + 2)) {
    while (index < scalarRanges.length && (scalarRanges[index]?.[1] ?? 0) <= open) index++;
    const range = scalarRanges[index];
    if (range && range[0] <= open) continue;
    const lineStart = text.lastIndexOf("\n", open) + 1;
    const before = text.slice(lineStart, open);
    if (before.trimStart().startsWith("#") || before.includes(" #")) continue;
    return false;
  }
  return true;
}

function toObject(
  docIndex: number,
  itemIndex: number | null,
  node: YAMLMap,
  value: Record<string, unknown>,
  docRange: [number, number],
): ManifestObject {
  return {
    docIndex,
    itemIndex,
    node,
    value,
    docRange,
    apiVersion: typeof value.apiVersion === "string" ? value.apiVersion : null,
    kind: typeof value.kind === "string" ? value.kind : null,
  };
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function errorMessage(error: unknown): string {
  if (error instanceof RangeError) return "the document is nested too deeply";
  return firstLine(error instanceof Error ? error.message : String(error));
}

function firstLine(message: string): string {
  return message.split("\n")[0]?.trim() ?? message;
}

/** The text of a scalar value as Kubernetes would read it into a string field. */
export function scalarText(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint")
    return String(value);
  return JSON.stringify(value);
}
