import { isMap, isScalar, Scalar, type Pair, type YAMLMap } from "yaml";
import type { ParsedManifestFile } from "../manifests/parse-manifests.js";
import { columnOf, detectEol, findPair, nextLineStart, nodeRange } from "../manifests/yaml-nodes.js";
import type { TextEdit } from "../types.js";

/**
 * Builders of minimal text edits. They never re-serialise a document (yaml's Document.toString()
 * rewrites lines nobody touched: 11 lines changed for one added key, measured); they splice text in at the file's own indentation, quoting and line endings.
 */

// Plain scalars we write: letters, digits and . / = , - _ (a space only after a comma), never a `: ` or ` #`.
const PLAIN_SAFE = /^[A-Za-z0-9](?:[A-Za-z0-9_./=,-]|, )*$/;

/** Formats a string scalar in a given style, falling back to double quotes when the style cannot hold it. */
export function formatScalar(value: string, style: Scalar.Type | undefined, inFlow: boolean): string {
  if (style === Scalar.QUOTE_SINGLE) return `'${value.replaceAll("'", "''")}'`;
  if (style === Scalar.QUOTE_DOUBLE) return JSON.stringify(value);
  const plainOk =
    PLAIN_SAFE.test(value) &&
    !(inFlow && value.includes(",")) &&
    !/^(true|false|null|yes|no|on|off|~|[0-9.e+-]+)$/i.test(value);
  return plainOk ? value : JSON.stringify(value);
}

/** A JSON manifest must stay JSON (Argo CD may read it with a JSON decoder): every new key and value is quoted. */
function jsonStyle(file: ParsedManifestFile): Scalar.Type | undefined {
  return /\.json$/i.test(file.path) ? Scalar.QUOTE_DOUBLE : undefined;
}

/** Replaces a scalar's text by `value` written in the scalar's own quoting style (a block scalar becomes quoted). */
export function replaceScalar(
  file: ParsedManifestFile,
  scalar: Scalar,
  value: string,
  inFlow: boolean,
): TextEdit | null {
  const range = nodeRange(scalar);
  if (!range) return null;
  if (scalar.type === Scalar.BLOCK_FOLDED || scalar.type === Scalar.BLOCK_LITERAL) {
    // A block scalar's range runs through the line break that ends its last line: the quoted value must end its
    // line too, or the next key would be joined to it.
    const lineBreak = /\r?\n$/.exec(file.text.slice(range[0], range[1]))?.[0] ?? "";
    return {
      start: range[0],
      end: range[1],
      text: formatScalar(value, Scalar.QUOTE_DOUBLE, inFlow) + lineBreak,
    };
  }
  // An empty value (`key:`) has no text: its range sits right after the colon, which needs a space after it.
  const space = range[0] === range[1] ? " " : "";
  return { start: range[0], end: range[1], text: space + formatScalar(value, scalar.type, inFlow) };
}

/** Replaces the text of a map key (e.g. `name` by `generateName`), keeping its quotes. */
export function renameKey(file: ParsedManifestFile, key: Scalar, newKey: string): TextEdit | null {
  const range = nodeRange(key);
  if (!range) return null;
  const raw = file.text.slice(range[0], range[1]);
  const quote = raw.startsWith('"') || raw.startsWith("'") ? raw[0] : "";
  return { start: range[0], end: range[1], text: `${quote}${newKey}${quote}` };
}

export interface NewEntry {
  key: string;
  value: string;
}

/**
 * Adds entries to an existing map (block or flow style), after its last entry, at the indentation and in the
 * quoting style of its existing keys and values.
 */
export function appendToMap(
  file: ParsedManifestFile,
  map: YAMLMap,
  entries: readonly NewEntry[],
): TextEdit | null {
  const range = nodeRange(map);
  if (!range) return null;
  const first = map.items[0];
  const keyStyle = isScalar(first?.key) ? first.key.type : undefined;
  const valueStyle = isScalar(first?.value) ? first.value.type : undefined;
  if (map.flow) {
    const close = file.parsedText.lastIndexOf("}", range[1] - 1);
    const items = entries.map(
      (e) =>
        `${formatScalar(e.key, jsonStyle(file) ?? keyStyle, true)}: ${formatScalar(e.value, jsonStyle(file) ?? valueStyle, true)}`,
    );
    const lastEnd = entryEnd(map.items[map.items.length - 1]);
    // After the last entry (`{a: b, new: x}`), or inside the braces of an empty map (`{new: x}`).
    const at = lastEnd ?? close;
    return { start: at, end: at, text: `${lastEnd === undefined ? "" : ", "}${items.join(", ")}` };
  }
  const lastEnd = entryEnd(map.items[map.items.length - 1]);
  const firstKeyStart = nodeRange(first?.key)?.[0];
  if (lastEnd === undefined || firstKeyStart === undefined) return null;
  const indent = " ".repeat(columnOf(file.text, firstKeyStart));
  const lines = entries.map(
    (e) => `${indent}${formatScalar(e.key, keyStyle, false)}: ${formatScalar(e.value, valueStyle, false)}`,
  );
  return insertLinesAfter(file, lastEnd, lines);
}

/**
 * Adds a nested map `key:` with `entries` to a block or flow map. `afterKey` puts it right after that entry
 * (used in Helm templates, where the map's end may sit inside an `{{ if }}` block); else after the last entry.
 */
export function addNestedMap(
  file: ParsedManifestFile,
  parent: YAMLMap,
  key: string,
  entries: readonly NewEntry[],
  indentStep: number,
  afterKey: string | null,
): TextEdit | null {
  if (parent.flow) {
    const lastEnd = entryEnd(parent.items[parent.items.length - 1]);
    if (lastEnd === undefined) return null;
    const inner = entries
      .map(
        (e) =>
          `${formatScalar(e.key, jsonStyle(file), true)}: ${formatScalar(e.value, jsonStyle(file), true)}`,
      )
      .join(", ");
    return {
      start: lastEnd,
      end: lastEnd,
      text: `, ${formatScalar(key, jsonStyle(file), true)}: {${inner}}`,
    };
  }
  const anchor =
    (afterKey !== null ? findPair(parent, afterKey) : null) ?? parent.items[parent.items.length - 1];
  const anchorEnd = entryEnd(anchor);
  const firstKeyStart = nodeRange(parent.items[0]?.key)?.[0];
  if (anchorEnd === undefined || firstKeyStart === undefined) return null;
  const column = columnOf(file.text, firstKeyStart);
  const indent = " ".repeat(column);
  const childIndent = " ".repeat(column + indentStep);
  const keyStyle = isScalar(parent.items[0]?.key) ? parent.items[0].key.type : undefined;
  const valueStyle = isScalar(parent.items[0]?.value) ? parent.items[0].value.type : undefined;
  const lines = [
    `${indent}${formatScalar(key, keyStyle, false)}:`,
    ...entries.map(
      (e) =>
        `${childIndent}${formatScalar(e.key, keyStyle, false)}: ${formatScalar(e.value, valueStyle, false)}`,
    ),
  ];
  return insertLinesAfter(file, anchorEnd, lines);
}

/** Fills a key whose value is empty (`annotations:` with nothing under it) with a block map. */
export function fillEmptyValue(
  file: ParsedManifestFile,
  pairKeyStart: number,
  valueEnd: number,
  entries: readonly NewEntry[],
  indentStep: number,
): TextEdit {
  const indent = " ".repeat(columnOf(file.text, pairKeyStart) + indentStep);
  return insertLinesAfter(
    file,
    valueEnd,
    entries.map(
      (e) => `${indent}${formatScalar(e.key, undefined, false)}: ${formatScalar(e.value, undefined, false)}`,
    ),
  );
}

/** Where a map entry's text ends: after its value, or after its key when it has none (`{a: b, flag}`). */
function entryEnd(pair: Pair | undefined): number | undefined {
  return nodeRange(pair?.value)?.[1] ?? nodeRange(pair?.key)?.[1];
}

/** Inserts whole lines after the line on which the node ending at `end` ends. */
function insertLinesAfter(file: ParsedManifestFile, end: number, lines: readonly string[]): TextEdit {
  const text = file.text;
  const eol = detectEol(text);
  const at = text[end - 1] === "\n" ? end : nextLineStart(text, end);
  const needsLeadingEol = at === text.length && !text.endsWith("\n");
  const body = lines.map((line) => line + eol).join("");
  return { start: at, end: at, text: needsLeadingEol ? eol + body.slice(0, -eol.length) : body };
}

/** Indentation step of a block map: how far its keys sit right of its parent's keys. */
export function indentStepOf(file: ParsedManifestFile, parentKeyStart: number, child: unknown): number {
  if (!isMap(child) || child.flow) return 2;
  const childKeyStart = nodeRange(child.items[0]?.key)?.[0];
  if (childKeyStart === undefined) return 2;
  const step = columnOf(file.text, childKeyStart) - columnOf(file.text, parentKeyStart);
  return step > 0 ? step : 2;
}
