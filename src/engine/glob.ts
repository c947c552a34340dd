/**
 * Glob matching that repository text cannot slow down. Every pattern language the scanner reads (Go `path.Match`,
 * gobwas globs, templated source paths, the configuration's globs) is parsed here into a small automaton and run
 * without backtracking: a test costs at most (path length + 1) × (automaton size) steps, and the automaton is
 * linear in the pattern. A backtracking RegExp built from `*a*a*a…b` needs minutes on a 64-character name.
 *
 * The automaton is simulated as a set of states (Thompson), and the sets met are cached as DFA states, so that the
 * thousands of paths of one repository tested against one pattern mostly cost a map lookup per character.
 */

/** Longer patterns are refused: no real glob comes near, and it bounds the automaton. */
export const MAX_PATTERN_LENGTH = 1024;
/** The items a brace range (`{1..3}`) may expand to, in all the ranges of one pattern together. */
export const MAX_BRACE_RANGE_ITEMS = 1000;
/** DFA states kept per matcher; past it the cache starts again, so memory stays bounded on hostile patterns. */
const MAX_DFA_STATES = 2048;

type CharTest = (code: number) => boolean;

/** A parsed pattern. `words` is a set of literal strings (generated directories), matched as a trie. */
export type GlobNode =
  | { t: "char"; test: CharTest }
  | { t: "star"; test: CharTest }
  | { t: "seq"; items: GlobNode[] }
  | { t: "alt"; options: GlobNode[] }
  | { t: "opt"; node: GlobNode }
  | { t: "words"; words: readonly string[] };

type Instruction =
  | { k: "char"; test: CharTest; next: number }
  | { k: "map"; next: Map<number, number> }
  | { k: "fork"; targets: number[] }
  | { k: "match" };

interface DfaState {
  /** Sorted consuming instructions reached (epsilon closure taken). */
  pcs: number[];
  accepting: boolean;
  next: Map<number, DfaState>;
}

const SLASH = 0x2f;
export const anyChar: CharTest = () => true;
export const notSlash: CharTest = (code) => code !== SLASH;
export function literal(text: string): GlobNode {
  if (text.length === 1) {
    const code = text.charCodeAt(0);
    return code === SLASH ? SLASH_NODE : { t: "char", test: (c) => c === code };
  }
  return { t: "seq", items: [...text].map(literal) };
}
/** One node for every `/`, so that `**` segments can be recognised next to it. */
const SLASH_NODE: GlobNode = { t: "char", test: (c) => c === SLASH };

export class GlobMatcher {
  /** Automaton steps taken by all tests so far: what the hostile-input tests bound. */
  steps = 0;
  private readonly program: Instruction[] = [];
  private readonly start: number;
  private readonly seen: Uint32Array;
  private generation = 0;
  private cache = new Map<string, DfaState>();
  private initial: DfaState | undefined;

  constructor(root: GlobNode) {
    const accept = this.push({ k: "match" });
    this.start = this.compile(root, accept);
    this.seen = new Uint32Array(this.program.length);
  }

  /** Instructions in the automaton: linear in the pattern. */
  get size(): number {
    return this.program.length;
  }

  /** Whether the whole of `text` matches. */
  test(text: string): boolean {
    let state = (this.initial ??= this.intern(this.closure([this.start])));
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      this.steps++;
      let next = state.next.get(code);
      if (next === undefined) {
        next = this.transition(state, code);
        state.next.set(code, next);
      }
      if (next.pcs.length === 0) return next.accepting && i === text.length - 1;
      state = next;
    }
    return state.accepting;
  }

  private push(instruction: Instruction): number {
    this.program.push(instruction);
    return this.program.length - 1;
  }

  /** Compiles `node` so that it continues at `next`; returns its entry. Size is linear in the node. */
  private compile(node: GlobNode, next: number): number {
    switch (node.t) {
      case "char":
        return this.push({ k: "char", test: node.test, next });
      case "seq": {
        let entry = next;
        for (let i = node.items.length - 1; i >= 0; i--)
          entry = this.compile(node.items[i] as GlobNode, entry);
        return entry;
      }
      case "alt":
        return this.push({ k: "fork", targets: node.options.map((option) => this.compile(option, next)) });
      case "opt":
        return this.push({ k: "fork", targets: [this.compile(node.node, next), next] });
      case "star": {
        const targets: number[] = [];
        const loop = this.push({ k: "fork", targets });
        targets.push(this.push({ k: "char", test: node.test, next: loop }), next);
        return loop;
      }
      case "words":
        return this.compileTrie(buildTrie(node.words), next);
    }
  }

  private compileTrie(trie: Trie, next: number): number {
    const edges = new Map<number, number>();
    for (const [code, child] of trie.children) edges.set(code, this.compileTrie(child, next));
    const step = this.push({ k: "map", next: edges });
    return trie.terminal ? this.push({ k: "fork", targets: [step, next] }) : step;
  }

  /** Epsilon closure, iteratively (nesting depth is attacker-chosen): sorted consuming states and acceptance. */
  private closure(from: readonly number[]): { pcs: number[]; accepting: boolean } {
    const mark = ++this.generation;
    const stack = [...from].reverse();
    const pcs: number[] = [];
    let accepting = false;
    while (stack.length > 0) {
      const pc = stack.pop() as number;
      this.steps++;
      if (this.seen[pc] === mark) continue;
      this.seen[pc] = mark;
      const instruction = this.program[pc] as Instruction;
      if (instruction.k === "fork") {
        for (let i = instruction.targets.length - 1; i >= 0; i--)
          stack.push(instruction.targets[i] as number);
      } else if (instruction.k === "match") {
        accepting = true;
      } else {
        pcs.push(pc);
      }
    }
    pcs.sort((a, b) => a - b);
    return { pcs, accepting };
  }

  private transition(state: DfaState, code: number): DfaState {
    const targets: number[] = [];
    for (const pc of state.pcs) {
      this.steps++;
      const instruction = this.program[pc] as Instruction;
      if (instruction.k === "char") {
        if (instruction.test(code)) targets.push(instruction.next);
      } else if (instruction.k === "map") {
        const target = instruction.next.get(code);
        if (target !== undefined) targets.push(target);
      }
    }
    return this.intern(this.closure(targets));
  }

  private intern(closure: { pcs: number[]; accepting: boolean }): DfaState {
    const key = `${closure.accepting ? "+" : "-"}${closure.pcs.join(",")}`;
    const known = this.cache.get(key);
    if (known) return known;
    if (this.cache.size >= MAX_DFA_STATES) {
      this.cache = new Map();
      this.initial = undefined;
    }
    const state: DfaState = { ...closure, next: new Map() };
    this.cache.set(key, state);
    return state;
  }
}

interface Trie {
  children: Map<number, Trie>;
  terminal: boolean;
}

function buildTrie(words: readonly string[]): Trie {
  const root: Trie = { children: new Map(), terminal: false };
  for (const word of words) {
    let node = root;
    for (let i = 0; i < word.length; i++) {
      const code = word.charCodeAt(i);
      let child = node.children.get(code);
      if (!child) {
        child = { children: new Map(), terminal: false };
        node.children.set(code, child);
      }
      node = child;
    }
    node.terminal = true;
  }
  return root;
}

/** The pattern languages: Go `path.Match`, gobwas/glob without separators, and the configuration's globs. */
export type GlobDialect = "go" | "gobwas" | "config";

export type ParseResult = { ok: true; node: GlobNode } | { ok: false; error: string };

/**
 * Parses a pattern of one dialect.
 * - go: `*` and `?` stay within a segment, `[…]` classes (`^` or `!` negates), `\` escapes; no braces.
 * - gobwas: `*` and `?` cross `/`, classes, `{a,b}` alternation (nested), `\` escapes.
 * - config: picomatch's globs with `dot: true` for what configurations use: `*`, `?`, `**` segments, classes
 *   (and POSIX names), `{a,b}` and `{1..9}` braces, `\` escapes. A leading `!` is handled by the caller.
 */
export function parseGlob(pattern: string, dialect: GlobDialect): ParseResult {
  if (pattern.length > MAX_PATTERN_LENGTH) {
    return { ok: false, error: `longer than ${MAX_PATTERN_LENGTH} characters` };
  }
  const parser = new Parser(pattern, dialect);
  try {
    const items = parser.sequence(false);
    if (parser.i < pattern.length) throw new GlobError(`unexpected "${pattern[parser.i] ?? ""}"`);
    return { ok: true, node: { t: "seq", items: dialect === "config" ? globstars(items) : items } };
  } catch (error) {
    if (error instanceof GlobError) return { ok: false, error: error.message };
    throw error;
  }
}

class GlobError extends Error {}

/** Marks a `**` segment in the config dialect until `globstars` rewrites it. */
const GLOBSTAR: GlobNode = { t: "star", test: anyChar };

class Parser {
  i = 0;
  private rangeItems = 0;

  constructor(
    private readonly src: string,
    private readonly dialect: GlobDialect,
  ) {}

  /** Items up to the end, or (inside braces) up to the `,` or `}` that ends the option. */
  sequence(inBraces: boolean): GlobNode[] {
    const items: GlobNode[] = [];
    const src = this.src;
    while (this.i < src.length) {
      const ch = src[this.i] as string;
      if (inBraces && (ch === "," || ch === "}")) break;
      if (ch === "\\") {
        const next = src[this.i + 1];
        if (next === undefined) throw new GlobError("ends with an unescaped backslash");
        items.push(literal(next));
        this.i += 2;
      } else if (ch === "*") {
        const start = this.i;
        while (src[this.i] === "*") this.i++;
        if (
          this.dialect === "config" &&
          this.i - start === 2 &&
          this.atSegmentStart(start) &&
          this.atSegmentEnd()
        )
          items.push(GLOBSTAR);
        else items.push({ t: "star", test: this.dialect === "gobwas" ? anyChar : notSlash });
      } else if (ch === "?") {
        items.push({ t: "char", test: this.dialect === "gobwas" ? anyChar : notSlash });
        this.i++;
      } else if (ch === "[") {
        const parsed = this.characterClass();
        if (parsed) {
          items.push(parsed);
        } else if (this.dialect !== "config") {
          throw new GlobError("unclosed [");
        } else {
          // picomatch reads an unclosed `[` as itself.
          items.push(literal("["));
          this.i++;
        }
      } else if (ch === "{" && this.dialect !== "go") {
        items.push(this.braces());
      } else {
        items.push(literal(ch));
        this.i++;
      }
    }
    return items;
  }

  private atSegmentStart(at: number): boolean {
    const before = this.src[at - 1];
    return before === undefined || before === "/" || before === "{" || before === ",";
  }

  private atSegmentEnd(): boolean {
    const after = this.src[this.i];
    return after === undefined || after === "/" || after === "}" || after === ",";
  }

  private braces(): GlobNode {
    const open = this.i;
    if (this.dialect === "config") {
      const close = this.matchingBrace(open);
      if (close === -1) {
        this.i++;
        return literal("{");
      }
      const range = this.range(this.src.slice(open + 1, close));
      if (range) {
        this.i = close + 1;
        return range;
      }
      if (!this.hasTopLevelComma(open, close)) {
        // picomatch reads `{a}` as the text `{a}`: the braces are literal, what is inside still a glob.
        this.i++;
        const inside = this.sequence(true);
        this.i = close + 1;
        return { t: "seq", items: [literal("{"), ...inside, literal("}")] };
      }
    }
    this.i++;
    const options: GlobNode[] = [];
    for (;;) {
      const items = this.sequence(true);
      options.push({ t: "seq", items: this.dialect === "config" ? globstars(items) : items });
      const ch = this.src[this.i];
      if (ch === ",") {
        this.i++;
      } else if (ch === "}") {
        this.i++;
        return { t: "alt", options };
      } else {
        throw new GlobError(`unclosed { at ${open + 1}`);
      }
    }
  }

  /** Index of the `}` closing the `{` at `open`, or -1. */
  private matchingBrace(open: number): number {
    let depth = 0;
    for (let i = open; i < this.src.length; i++) {
      const ch = this.src[i];
      if (ch === "\\") i++;
      else if (ch === "{") depth++;
      else if (ch === "}" && --depth === 0) return i;
    }
    return -1;
  }

  private hasTopLevelComma(open: number, close: number): boolean {
    let depth = 0;
    for (let i = open + 1; i < close; i++) {
      const ch = this.src[i];
      if (ch === "\\") i++;
      else if (ch === "{") depth++;
      else if (ch === "}") depth--;
      else if (ch === "," && depth === 0) return true;
    }
    return false;
  }

  /** `{1..10}`, `{01..10..2}`, `{a..e}` as picomatch expands them, within MAX_BRACE_RANGE_ITEMS per pattern. */
  private range(body: string): GlobNode | null {
    const numeric = /^(-?\d+)\.\.(-?\d+)(?:\.\.(-?\d+))?$/.exec(body);
    const alpha = /^([a-zA-Z])\.\.([a-zA-Z])(?:\.\.(-?\d+))?$/.exec(body);
    if (!numeric && !alpha) return null;
    const match = (numeric ?? alpha) as RegExpExecArray;
    const from = numeric ? Number(match[1]) : (match[1] as string).charCodeAt(0);
    const to = numeric ? Number(match[2]) : (match[2] as string).charCodeAt(0);
    const step = Math.abs(Number(match[3] ?? 1)) || 1;
    const count = Math.floor(Math.abs(to - from) / step) + 1;
    this.rangeItems += count;
    if (!Number.isSafeInteger(count) || this.rangeItems > MAX_BRACE_RANGE_ITEMS) {
      throw new GlobError(`brace ranges expand to more than ${MAX_BRACE_RANGE_ITEMS} items`);
    }
    const width =
      numeric && [match[1], match[2]].some((end) => /^-?0\d/.test(end as string))
        ? Math.max((match[1] as string).length, (match[2] as string).length)
        : 0;
    const words: string[] = [];
    for (let k = 0; k < count; k++) {
      const value = from + (to >= from ? 1 : -1) * k * step;
      if (!numeric) words.push(String.fromCharCode(value));
      else
        words.push(
          value < 0 ? `-${String(-value).padStart(width - 1, "0")}` : String(value).padStart(width, "0"),
        );
    }
    return { t: "words", words };
  }

  /** `[…]` at `this.i`; null when it is not closed. A `]` first in the class is literal, as in Go and POSIX. */
  private characterClass(): GlobNode | null {
    const src = this.src;
    let i = this.i + 1;
    const negated = src[i] === "!" || src[i] === "^";
    if (negated) i++;
    const ranges: [number, number][] = [];
    const tests: CharTest[] = [];
    let first = true;
    for (;;) {
      const ch = src[i];
      if (ch === undefined) return null;
      if (ch === "]" && !first) break;
      first = false;
      if (this.dialect === "config" && ch === "[" && src[i + 1] === ":") {
        const end = src.indexOf(":]", i + 2);
        const posix = end === -1 ? undefined : POSIX_CLASSES[src.slice(i + 2, end)];
        if (posix) {
          tests.push(posix);
          i = end + 2;
          continue;
        }
      }
      let low: number;
      if (ch === "\\") {
        if (src[i + 1] === undefined) return null;
        low = src.charCodeAt(i + 1);
        i += 2;
      } else {
        low = src.charCodeAt(i);
        i++;
      }
      let high = low;
      if (src[i] === "-" && src[i + 1] !== undefined && src[i + 1] !== "]") {
        if (src[i + 1] === "\\") {
          if (src[i + 2] === undefined) return null;
          high = src.charCodeAt(i + 2);
          i += 3;
        } else {
          high = src.charCodeAt(i + 1);
          i += 2;
        }
        if (high < low) {
          if (this.dialect !== "config") throw new GlobError("character range out of order");
          [low, high] = [high, low];
        }
      }
      ranges.push([low, high]);
    }
    this.i = i + 1;
    const inClass = (code: number) =>
      ranges.some(([low, high]) => code >= low && code <= high) || tests.some((test) => test(code));
    // picomatch never lets a negated class match a separator; Go and gobwas have no separators in classes.
    const test: CharTest = negated
      ? this.dialect === "config"
        ? (code) => code !== SLASH && !inClass(code)
        : (code) => !inClass(code)
      : inClass;
    return { t: "char", test };
  }
}

const POSIX_CLASSES: Record<string, CharTest> = {
  alnum: (c) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122),
  alpha: (c) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122),
  ascii: (c) => c <= 0x7f,
  blank: (c) => c === 32 || c === 9,
  digit: (c) => c >= 48 && c <= 57,
  lower: (c) => c >= 97 && c <= 122,
  upper: (c) => c >= 65 && c <= 90,
  space: (c) => c === 32 || (c >= 9 && c <= 13),
  word: (c) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95,
  xdigit: (c) => (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102),
};

const isSlash = (node: GlobNode | undefined) => node === SLASH_NODE;

/**
 * picomatch's `**` segments: `a/**` matches `a` and everything below it, `**\/b` matches `b` at any depth,
 * `a/**\/b` matches `a/b` and `a/…/b`.
 */
function globstars(items: GlobNode[]): GlobNode[] {
  const out: GlobNode[] = [];
  for (let i = 0; i < items.length; i++) {
    const item = items[i] as GlobNode;
    if (item !== GLOBSTAR) {
      out.push(item);
    } else if (isSlash(items[i + 1])) {
      out.push({
        t: "opt",
        node: { t: "seq", items: [{ t: "star", test: anyChar }, items[i + 1] as GlobNode] },
      });
      i++;
    } else if (i === items.length - 1 && isSlash(out[out.length - 1])) {
      const slash = out.pop() as GlobNode;
      out.push({ t: "opt", node: { t: "seq", items: [slash, { t: "star", test: anyChar }] } });
    } else {
      out.push({ t: "star", test: anyChar });
    }
  }
  return out;
}

/**
 * The configuration's globs (`ignore`, `paths`, `applications`) as one test: true when any pattern matches, as
 * picomatch with an array and `{ dot: true }`. A leading `!` negates a pattern; a path equal to a pattern matches
 * it, as in picomatch. Invalid patterns match nothing (the configuration schema reports them).
 */
export function configGlobTest(patterns: readonly string[]): (path: string) => boolean {
  const positive: GlobNode[] = [];
  const negative: GlobMatcher[] = [];
  const exact = new Set<string>();
  for (const raw of patterns) {
    let pattern = raw;
    let negated = false;
    while (pattern.startsWith("!") && !pattern.startsWith("!(")) {
      negated = !negated;
      pattern = pattern.slice(1);
    }
    while (pattern.startsWith("./")) pattern = pattern.slice(2);
    const parsed = parseGlob(pattern, "config");
    if (!parsed.ok) continue;
    if (negated) {
      negative.push(new GlobMatcher(parsed.node));
    } else {
      positive.push(parsed.node);
      exact.add(pattern);
    }
  }
  if (positive.length === 0 && negative.length === 0) return () => false;
  const any = positive.length > 0 ? new GlobMatcher({ t: "alt", options: positive }) : null;
  return (path) => exact.has(path) || (any?.test(path) ?? false) || negative.some((m) => !m.test(path));
}

/** Why a configuration glob cannot be used, or null when it can. */
export function configGlobProblem(pattern: string): string | null {
  const parsed = parseGlob(pattern.replace(/^!+/, "").replace(/^(\.\/)+/, ""), "config");
  if (!parsed.ok) return parsed.error;
  // picomatch would read these as extglobs; read as text they would silently mean something else.
  if (/[!@+*?]\(/.test(pattern)) return "extglobs such as @(a|b) are not supported; use {a,b}";
  return null;
}
