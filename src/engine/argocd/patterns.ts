/**
 * The two pattern languages Argo CD itself uses, which differ from shell globbing, so a general glob library would
 * give wrong answers:
 * - ApplicationSet git generators call Go's `path.Match`: `*` and `?` never cross `/`, no `**` (argocd-facts.md §8.3).
 * - `spec.source.directory.include/exclude` use gobwas/glob without separators: `*` does cross `/`, and `{a,b}`
 *   alternation is supported (§8.1).
 */

/** Go `path.Match` as a RegExp. Returns null for a malformed pattern (Go returns ErrBadPattern). */
export function goPathMatchRegExp(pattern: string): RegExp | null {
  return compile(pattern, "[^/]*", "[^/]", false);
}

/** gobwas/glob (no separators) as a RegExp. */
export function gobwasGlobRegExp(pattern: string): RegExp | null {
  return compile(pattern, ".*", ".", true);
}

function compile(pattern: string, star: string, question: string, braces: boolean): RegExp | null {
  let source = "";
  let braceDepth = 0;
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i] as string;
    if (ch === "\\") {
      const next = pattern[i + 1];
      if (next === undefined) return null;
      source += escapeRegExp(next);
      i++;
    } else if (ch === "*") {
      source += star;
      while (pattern[i + 1] === "*") i++;
    } else if (ch === "?") {
      source += question;
    } else if (ch === "[") {
      const close = pattern.indexOf("]", i + 2);
      if (close === -1) return null;
      let body = pattern.slice(i + 1, close);
      const negated = body.startsWith("^") || body.startsWith("!");
      if (negated) body = body.slice(1);
      source += `[${negated ? "^" : ""}${body.replace(/[\\\]]/g, "\\$&")}]`;
      i = close;
    } else if (braces && ch === "{") {
      braceDepth++;
      source += "(?:";
    } else if (braces && ch === "}" && braceDepth > 0) {
      braceDepth--;
      source += ")";
    } else if (braces && ch === "," && braceDepth > 0) {
      source += "|";
    } else {
      source += escapeRegExp(ch);
    }
  }
  if (braceDepth !== 0) return null;
  try {
    return new RegExp(`^${source}$`);
  } catch {
    return null;
  }
}

export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

/**
 * Normalises a git URL so that https, ssh and scp-like forms of one repository compare equal.
 * @example normaliseRepoUrl("git@github.com:Org/Repo.git") === "github.com/Org/Repo"
 */
export function normaliseRepoUrl(url: string): string {
  let rest = url.trim();
  const scpLike = /^[\w.-]+@([^:/]+):(.*)$/.exec(rest);
  if (scpLike) {
    rest = `${scpLike[1] ?? ""}/${scpLike[2] ?? ""}`;
  } else {
    rest = rest.replace(/^[a-z+]+:\/\//i, "").replace(/^[^@/]+@/, "");
  }
  rest = rest
    .replace(/\/+$/, "")
    .replace(/\.git$/i, "")
    .replace(/\/+$/, "");
  const slash = rest.indexOf("/");
  const host = (slash === -1 ? rest : rest.slice(0, slash)).toLowerCase().replace(/:(22|443)$/, "");
  return slash === -1 ? host : host + rest.slice(slash);
}
