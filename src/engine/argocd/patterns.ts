/**
 * The two pattern languages Argo CD itself uses, which differ from shell globbing, so a general glob library would
 * give wrong answers:
 * - ApplicationSet git generators call Go's `path.Match`: `*` and `?` never cross `/`, no `**` (argo-cd
 *   applicationset/generators/git.go filterApps).
 * - `spec.source.directory.include/exclude` use gobwas/glob without separators: `*` does cross `/`, and `{a,b}`
 *   alternation is supported (argo-cd docs user-guide/directory.md).
 * Both compile to the non-backtracking matcher of ../glob.ts: these patterns come from the repository.
 */
import { GlobMatcher, parseGlob } from "../glob.js";

/** Go `path.Match` as a matcher. Returns null for a malformed pattern (Go returns ErrBadPattern). */
export function goPathMatcher(pattern: string): GlobMatcher | null {
  const parsed = parseGlob(pattern, "go");
  return parsed.ok ? new GlobMatcher(parsed.node) : null;
}

/** gobwas/glob (no separators) as a matcher. Returns null for a malformed pattern. */
export function gobwasGlobMatcher(pattern: string): GlobMatcher | null {
  const parsed = parseGlob(pattern, "gobwas");
  return parsed.ok ? new GlobMatcher(parsed.node) : null;
}

/**
 * Normalises a git URL so that https, ssh and scp-like forms of one repository compare equal. Like Argo CD's
 * util/git NormalizeGitURL, the whole URL is compared case-insensitively (`Example-Org` and `example-org` are one).
 * @example normaliseRepoUrl("git@github.com:Org/Repo.git") === "github.com/org/repo"
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
  rest = rest.toLowerCase();
  const slash = rest.indexOf("/");
  const host = (slash === -1 ? rest : rest.slice(0, slash)).replace(/:(22|443)$/, "");
  return slash === -1 ? host : host + rest.slice(slash);
}
