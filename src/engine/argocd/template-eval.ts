/**
 * Evaluates the small part of Argo CD's two template languages that source paths use, against parameters the
 * repository itself states (generator elements and values, git generator matches, a chart's values.yaml). What it
 * cannot know (cluster labels, an SCM provider's answer, a range variable) becomes UNKNOWN_MARK in the result, which
 * later stands for exactly one path segment: an unknown part never turns into "the whole repository".
 *
 * - Legacy ApplicationSet syntax (fasttemplate): `{{name}}`, the tag trimmed, looked up in flat parameters
 *   (`values.team`, `path.basename`); argo-cd applicationset/utils `Render.Replace`.
 * - Go templates (`goTemplate: true`, Helm): `{{ .a.b }}`, `{{ index .path.segments 1 }}`, pipelines with a few
 *   string functions, `$` for the root. Anything else is unknown.
 * No regular expression runs over repository text here: actions are found with indexOf.
 */
import { templateActions } from "../manifests/helm-mask.js";

/** Stands for an unknown part of a rendered string (a NUL never appears in a repository path). */
export const UNKNOWN_MARK = "\u0000";

/** A value that the scan cannot know; any field of it is unknown too. */
export const UNKNOWN: unique symbol = Symbol("unknown");
export type TemplateValue =
  string | number | boolean | null | typeof UNKNOWN | TemplateValue[] | { [key: string]: TemplateValue };

/** Parameters for one rendering: nested (Go templates) or flat dotted keys (legacy), and whether more exist. */
export interface TemplateParams {
  nested: Record<string, TemplateValue>;
  flat: Map<string, string>;
  /** Local variables of a Helm template (`$config := …`, `range $k, $v := …`). */
  variables?: Map<string, TemplateValue>;
  /** What `.` is, when a `range` or `with` rebinds it (else the root, `nested`). */
  dot?: TemplateValue;
  /**
   * Whether parameters exist that the scan cannot see (a cluster's labels, an Application's own Helm values). In a
   * closed set (list elements, git generator matches) a missing parameter is rendered as Argo CD renders it (the
   * legacy syntax leaves `{{name}}` as written, Go templates print `<no value>`), which names no directory.
   */
  open?: boolean;
}

export interface Rendering {
  /** The text with UNKNOWN_MARK where a part is unknown. */
  text: string;
  /** The expressions that stayed unknown, as written (trimmed). */
  unknown: string[];
  /** A control action (if/range/with) in the text: what surrounds it cannot be trusted. */
  control: boolean;
}

const CONTROL_KEYWORDS = new Set([
  "if",
  "else",
  "end",
  "range",
  "with",
  "define",
  "block",
  "template",
  "break",
]);
const MAX_PIPELINE_TOKENS = 64;

/** Whether a text holds a template action or a `${ARGOCD_ENV_X}`-style placeholder Argo CD does not render. */
export function isTemplated(text: string): boolean {
  return text.includes("{{") || text.includes("${");
}

/**
 * Renders `text` with `params`. `${NAME}` placeholders (config-management plugin environment, envsubst) are left for
 * a plugin to fill in: unknown here.
 */
export function renderTemplate(text: string, params: TemplateParams, goTemplate: boolean): Rendering {
  const unknown: string[] = [];
  let control = false;
  let out = "";
  let last = 0;
  for (const [start, end] of templateActions(text)) {
    out += text.slice(last, start);
    const inner = text.slice(start + 2, end - 2);
    const trimmed = inner.replace(/^-\s?/, "").replace(/\s?-$/, "").trim();
    const firstWord = trimmed.split(/\s/, 1)[0] ?? "";
    if (goTemplate && (CONTROL_KEYWORDS.has(firstWord) || trimmed.startsWith("/*"))) {
      control = true;
      out += UNKNOWN_MARK;
    } else {
      const value = goTemplate ? evaluateGo(trimmed, params) : evaluateLegacy(trimmed, params);
      const rendered = value === UNKNOWN ? null : scalarString(value);
      if (rendered === null && value !== UNKNOWN && params.open !== true) {
        out += goTemplate ? "<no value>" : text.slice(start, end);
      } else if (rendered === null) {
        unknown.push(trimmed);
        out += UNKNOWN_MARK;
      } else {
        out += rendered;
      }
    }
    last = end;
  }
  out += text.slice(last);
  return { text: replacePlaceholders(out, unknown), unknown, control };
}

/** `${ARGOCD_ENV_X}` and `$ARGOCD_APP_NAME`-like references become unknown parts. */
function replacePlaceholders(text: string, unknown: string[]): string {
  let out = "";
  let last = 0;
  for (let open = text.indexOf("${"); open !== -1; open = text.indexOf("${", last)) {
    const close = text.indexOf("}", open + 2);
    if (close === -1) break;
    out += text.slice(last, open) + UNKNOWN_MARK;
    unknown.push(text.slice(open, close + 1));
    last = close + 1;
  }
  return out + text.slice(last);
}

function scalarString(value: TemplateValue): string | null {
  if (value === UNKNOWN || value === null) return null;
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return null;
}

function evaluateLegacy(tag: string, params: TemplateParams): TemplateValue {
  const value = params.flat.get(tag);
  if (value !== undefined) return value;
  return params.open === true ? UNKNOWN : null;
}

/** Splits a Go template pipeline into commands and each command into words, keeping quoted strings whole. */
function tokenize(expression: string): string[][] | null {
  const commands: string[][] = [[]];
  let i = 0;
  let tokens = 0;
  while (i < expression.length) {
    const ch = expression[i] ?? "";
    if (ch === " " || ch === "\t" || ch === "\n") {
      i++;
      continue;
    }
    if (++tokens > MAX_PIPELINE_TOKENS) return null;
    if (ch === "|") {
      commands.push([]);
      i++;
      continue;
    }
    let end = i;
    if (ch === '"' || ch === "`") {
      end = expression.indexOf(ch, i + 1);
      if (end === -1) return null;
      end++;
    } else if (ch === "(") {
      // A parenthesised pipeline is one operand, evaluated on its own: `default (printf "charts/%s" $name) .path`.
      let depth = 0;
      for (; end < expression.length; end++) {
        const c = expression[end];
        if (c === "(") depth++;
        else if (c === ")" && --depth === 0) break;
      }
      if (depth !== 0) return null;
      end++;
    } else if (ch === ")") {
      return null;
    } else {
      while (end < expression.length && !" \t\n|()".includes(expression[end] ?? "")) end++;
    }
    commands[commands.length - 1]?.push(expression.slice(i, end));
    i = end;
  }
  return commands.every((command) => command.length > 0) ? commands : null;
}

function evaluateGo(expression: string, params: TemplateParams, depth = 0): TemplateValue {
  const commands = tokenize(expression);
  if (!commands) return UNKNOWN;
  let piped: TemplateValue | undefined;
  for (const command of commands) {
    const args = command.map((word) => operand(word, params, depth));
    const name = command[0] ?? "";
    if (args[0] !== undefined && !isFunctionName(name)) {
      if (command.length > 1 || piped !== undefined) return UNKNOWN;
      piped = args[0];
      continue;
    }
    const rest = args.slice(1);
    if (piped !== undefined) rest.push(piped);
    if (rest.some((arg) => arg === undefined)) return UNKNOWN;
    piped = callFunction(name, rest as TemplateValue[]);
  }
  return piped ?? UNKNOWN;
}

function isFunctionName(word: string): boolean {
  return /^[a-zA-Z]\w*$/.test(word) && word !== "true" && word !== "false" && word !== "nil";
}

/** A word's value: a field chain, a variable, a literal; undefined for a function name. */
function operand(word: string, params: TemplateParams, depth: number): TemplateValue | undefined {
  if (word.startsWith("(")) return depth > 8 ? UNKNOWN : evaluateGo(word.slice(1, -1), params, depth + 1);
  if (word.startsWith('"') || word.startsWith("`")) return unquote(word);
  if (/^-?\d+$/.test(word)) return Number(word);
  if (word === "true" || word === "false") return word === "true";
  const dot = params.dot ?? params.nested;
  if (word === ".") return dot;
  if (word.startsWith(".")) return lookup(dot, word.slice(1).split("."));
  if (word === "$") return params.nested;
  if (word.startsWith("$.")) return lookup(params.nested, word.slice(2).split("."));
  if (word.startsWith("$")) {
    const [variable = "", ...fields] = word.split(".");
    const value = params.variables?.get(variable);
    return value === undefined ? UNKNOWN : lookup(value, fields);
  }
  return undefined;
}

function unquote(word: string): string {
  const body = word.slice(1, -1);
  return word.startsWith("`") ? body : body.replace(/\\(.)/g, "$1");
}

function lookup(value: TemplateValue, fields: string[]): TemplateValue {
  let current = value;
  for (const field of fields) {
    if (field === "") continue;
    if (current === UNKNOWN) return UNKNOWN;
    if (current === null) return null;
    if (typeof current !== "object" || Array.isArray(current)) return UNKNOWN;
    // A key missing from data the repository states is Go's nil (so `default` applies), not an unknown.
    current = Object.prototype.hasOwnProperty.call(current, field) ? (current[field] ?? null) : null;
  }
  return current;
}

function text(value: TemplateValue): string | null {
  return scalarString(value);
}

/** The Sprig and builtin functions that appear in source paths; any other function is unknown. */
function callFunction(name: string, args: TemplateValue[]): TemplateValue {
  const strings = args.map(text);
  const [a, b, c] = strings;
  switch (name) {
    case "index": {
      let current: TemplateValue = args[0] ?? UNKNOWN;
      for (const key of args.slice(1)) {
        if (current === UNKNOWN || key === UNKNOWN) return UNKNOWN;
        if (Array.isArray(current) && typeof key === "number") current = current[key] ?? UNKNOWN;
        else if (typeof key === "string") current = lookup(current, [key]);
        else return UNKNOWN;
      }
      return current;
    }
    case "default": {
      const fallback = args[0] ?? UNKNOWN;
      const given = args[1];
      if (given === undefined) return fallback;
      if (given === UNKNOWN) return UNKNOWN;
      const empty = given === null || given === "" || given === false || given === 0;
      return empty ? fallback : given;
    }
    case "lower":
      return a == null ? UNKNOWN : a.toLowerCase();
    case "upper":
      return a == null ? UNKNOWN : a.toUpperCase();
    case "trim":
      return a == null ? UNKNOWN : a.trim();
    case "toString":
    case "quote":
    case "squote":
      // Quotes are YAML syntax around the value in a Helm template: the path is what is inside them.
      return a == null ? UNKNOWN : a;
    case "trimSuffix":
      return a == null || b == null ? UNKNOWN : b.endsWith(a) ? b.slice(0, b.length - a.length) : b;
    case "trimPrefix":
      return a == null || b == null ? UNKNOWN : b.startsWith(a) ? b.slice(a.length) : b;
    case "replace":
      return a == null || b == null || c == null ? UNKNOWN : c.split(a).join(b);
    case "printf": {
      if (a == null) return UNKNOWN;
      const values = strings.slice(1);
      let used = 0;
      const pieces = a.split("%s");
      if (pieces.length - 1 !== values.length || a.replaceAll("%s", "").includes("%")) return UNKNOWN;
      let out = pieces[0] ?? "";
      for (const piece of pieces.slice(1)) {
        const value = values[used++];
        out += (value ?? UNKNOWN_MARK) + piece;
      }
      return out;
    }
    default:
      return UNKNOWN;
  }
}

/** Flattens nested data into dotted keys, as the legacy syntax reads generator output (arrays by index). */
export function flattenParams(
  value: unknown,
  prefix = "",
  into = new Map<string, string>(),
  depth = 0,
): Map<string, string> {
  if (depth > 16) return into;
  if (Array.isArray(value)) {
    value.forEach((item, index) => flattenParams(item, `${prefix}${index}.`, into, depth + 1));
  } else if (typeof value === "object" && value !== null) {
    for (const [key, item] of Object.entries(value)) flattenParams(item, `${prefix}${key}.`, into, depth + 1);
  } else if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") {
    into.set(prefix.slice(0, -1), String(value));
  }
  return into;
}

/** Plain parsed data (YAML/JSON) as template values. */
export function toTemplateValue(value: unknown, depth = 0): TemplateValue {
  if (depth > 32) return UNKNOWN;
  if (value === null || typeof value === "string" || typeof value === "number" || typeof value === "boolean")
    return value;
  if (Array.isArray(value)) return value.map((item) => toTemplateValue(item, depth + 1));
  if (typeof value === "object") {
    const result: Record<string, TemplateValue> = {};
    for (const [key, item] of Object.entries(value)) result[key] = toTemplateValue(item, depth + 1);
    return result;
  }
  return UNKNOWN;
}

/** Past this many renderings of one document (nested ranges over long lists), the rest are not evaluated. */
const MAX_SCOPE_SETS = 500;

/**
 * The parameter sets a Helm template document is rendered with: `root` (`.Values` and the rest) bound as `.` and
 * `$`, then each open action in order: `range X` gives one set per item of X (`range $k, $v := X` binds the
 * variables), `with X` rebinds `.`, `$name := X` sets a variable. An action that cannot be evaluated makes `.`
 * unknown.
 */
export function paramsInScope(
  scope: readonly string[],
  root: Record<string, TemplateValue>,
): TemplateParams[] {
  let sets: TemplateParams[] = [{ nested: root, flat: new Map(), variables: new Map(), open: true }];
  for (const action of scope) {
    const next: TemplateParams[] = [];
    for (const set of sets) {
      for (const bound of bindAction(action, set)) {
        if (next.length < MAX_SCOPE_SETS) next.push(bound);
      }
    }
    sets = next;
  }
  return sets;
}

function bindAction(action: string, set: TemplateParams): TemplateParams[] {
  const withVariables = (variables: [string, TemplateValue][], dot: TemplateValue): TemplateParams => ({
    ...set,
    dot,
    variables: new Map([...(set.variables ?? []), ...variables]),
  });
  const assignment = /^(\$\w+)\s*:?=\s*/.exec(action);
  if (assignment) {
    const value = evaluateGo(action.slice(assignment[0].length), set);
    return [withVariables([[assignment[1] ?? "", value]], set.dot ?? set.nested)];
  }
  const [keyword = "", ...restWords] = action.split(/\s+/);
  let rest = restWords.join(" ");
  if (keyword === "if" || keyword === "define") return [set];
  let names: string[] = [];
  const declaration = /^((\$\w+)\s*(,\s*(\$\w+))?)\s*:=\s*/.exec(rest);
  if (declaration) {
    names = [declaration[2], declaration[4]].filter((name): name is string => name !== undefined);
    rest = rest.slice(declaration[0].length);
  }
  const value = evaluateGo(rest, set);
  if (keyword === "with")
    return [
      withVariables(
        names.map((name) => [name, value]),
        value,
      ),
    ];
  // range
  if (value === UNKNOWN || value === null || typeof value !== "object") {
    return [
      withVariables(
        names.map((name) => [name, UNKNOWN]),
        UNKNOWN,
      ),
    ];
  }
  const entries: [TemplateValue, TemplateValue][] = Array.isArray(value)
    ? value.map((item, index) => [index, item])
    : Object.keys(value)
        .sort()
        .map((key) => [key, value[key] ?? UNKNOWN]);
  return entries.map(([key, item]) => {
    const bindings: [string, TemplateValue][] =
      names.length === 2
        ? [
            [names[0] ?? "", key],
            [names[1] ?? "", item],
          ]
        : names.map((name) => [name, item]);
    return withVariables(bindings, item);
  });
}
