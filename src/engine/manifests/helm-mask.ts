/**
 * Helm templates are YAML with Go template actions (`{{ … }}`) in them. Rendering needs values we do not have, so
 * the actions are masked instead: each action is replaced by text of exactly the same length, which keeps every
 * offset of the masked text equal to the offset in the original. Findings and fix edits computed on the masked text
 * therefore apply to the template itself.
 *
 * - A line that holds only actions (`{{- if … }}`, `{{- include … | nindent 4 }}`) becomes blank.
 * - An action inside a line becomes a run of PLACEHOLDER characters, so `name: {{ .Values.x }}` stays a scalar.
 */
export const PLACEHOLDER = "\u00a7"; // "§": valid in plain and quoted scalars, never in real Kubernetes names

export interface MaskedText {
  text: string;
  /** Whether any action was masked. */
  masked: boolean;
  /** 0-based line numbers that held only template actions (their output is unknown). */
  templateOnlyLines: Set<number>;
}

export function hasTemplateActions(text: string): boolean {
  return text.includes("{{");
}

/**
 * @param commentLines Turn template-only lines into YAML comments at their own indentation (`    #      `) rather
 *   than blank lines: a blank line longer than the indentation of the block scalar it opens (`values: |` followed
 *   by `{{- toYaml … | nindent 8 }}`) is a YAML error, a comment line there is text. Used when the blank form fails.
 * @example maskTemplateActions("name: {{ .Values.n }}\n").text === "name: §§§§§§§§§§§§§§\n"
 */
export function maskTemplateActions(text: string, commentLines = false): MaskedText {
  if (!hasTemplateActions(text)) return { text, masked: false, templateOnlyLines: new Set() };
  const chars = text.split("");
  for (const [start, end] of templateActions(text)) {
    for (let i = start; i < end; i++) {
      const ch = chars[i];
      if (ch !== "\n" && ch !== "\r") chars[i] = PLACEHOLDER;
    }
  }
  const lines = chars.join("").split("\n");
  const templateOnlyLines = new Set<number>();
  const originalLines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    const original = originalLines[i] ?? "";
    const stripped = line.replace(/\r$/, "");
    if (
      stripped.includes(PLACEHOLDER) &&
      stripped.replaceAll(PLACEHOLDER, "").trim() === "" &&
      original.includes("{{")
    ) {
      const indent = stripped.length - stripped.trimStart().length;
      const blank = commentLines
        ? " ".repeat(indent) + "#" + " ".repeat(stripped.length - indent - 1)
        : " ".repeat(stripped.length);
      lines[i] = blank + (line.endsWith("\r") ? "\r" : "");
      templateOnlyLines.add(i);
    } else if (stripped.includes(PLACEHOLDER) && !original.includes("{{") && !original.includes("}}")) {
      // Middle line of a multi-line action (a template comment, a long `dict`): no YAML here.
      lines[i] = " ".repeat(stripped.length) + (line.endsWith("\r") ? "\r" : "");
      templateOnlyLines.add(i);
    }
  }
  return { text: lines.join("\n"), masked: true, templateOnlyLines };
}

/**
 * The `{{ … }}` actions, each from its `{{` to the first `}}` after it (what a lazy regex would match). Found with
 * indexOf, never a regex: a lazy regex retries from every unclosed `{{` to the end of the text, which is quadratic
 * in a file full of them. Once one `{{` has no `}}` after it, no later one has either, so the search stops there.
 */
export function templateActions(text: string): [number, number][] {
  const ranges: [number, number][] = [];
  for (let open = text.indexOf("{{"); open !== -1;) {
    const close = text.indexOf("}}", open + 2);
    if (close === -1) break;
    ranges.push([open, close + 2]);
    open = text.indexOf("{{", close + 2);
  }
  return ranges;
}

export function containsPlaceholder(value: string): boolean {
  return value.includes(PLACEHOLDER);
}
