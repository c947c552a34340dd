import { isMap, isScalar, type LineCounter, type Node, type Pair, type Scalar, type YAMLMap } from "yaml";
import type { SourceLocation } from "../types.js";

export type MapPair = Pair<Scalar, unknown>;

/** The pair of a map whose key is the scalar `key`, with its key and value nodes. */
export function findPair(map: YAMLMap | null | undefined, key: string): MapPair | null {
  if (!map) return null;
  for (const pair of map.items) {
    if (isScalar(pair.key) && pair.key.value === key) return pair as MapPair;
  }
  return null;
}

export function findMap(map: YAMLMap | null | undefined, key: string): YAMLMap | null {
  const value = findPair(map, key)?.value;
  return isMap(value) ? value : null;
}

export function findScalar(map: YAMLMap | null | undefined, key: string): Scalar | null {
  const value = findPair(map, key)?.value;
  return isScalar(value) ? value : null;
}

export function nodeRange(node: unknown): [number, number] | null {
  const range = (node as Node | null | undefined)?.range;
  return range ? [range[0], range[1]] : null;
}

/** 1-based line/column of a range, as editors and GitHub annotations count. */
export function locate(lineCounter: LineCounter, start: number, end: number): SourceLocation {
  const from = lineCounter.linePos(start);
  const to = lineCounter.linePos(Math.max(start, end));
  return { line: from.line, column: from.col, endLine: to.line, endColumn: to.col };
}

/** Offset of the first character of the line holding `offset`. */
export function lineStart(text: string, offset: number): number {
  return text.lastIndexOf("\n", offset - 1) + 1;
}

/** Offset just after the newline ending the line that holds `offset` (or the end of the text). */
export function nextLineStart(text: string, offset: number): number {
  const newline = text.indexOf("\n", offset);
  return newline === -1 ? text.length : newline + 1;
}

/** Column (0-based) of `offset` within its line. */
export function columnOf(text: string, offset: number): number {
  return offset - lineStart(text, offset);
}

export function detectEol(text: string): "\r\n" | "\n" {
  const newline = text.indexOf("\n");
  return newline > 0 && text[newline - 1] === "\r" ? "\r\n" : "\n";
}
