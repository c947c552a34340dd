import { describe, expect, it } from "@jest/globals";
import picomatch from "picomatch";
import { DEFAULT_CONFIG, validateConfig } from "../../src/config/schema.js";
import { gobwasGlobMatcher, goPathMatcher } from "../../src/engine/argocd/patterns.js";
import {
  configGlobTest,
  GlobMatcher,
  MAX_PATTERN_LENGTH,
  parseGlob,
  type GlobDialect,
} from "../../src/engine/glob.js";
import { scanRepository } from "../../src/engine/scan.js";
import { RULE_IDS, RULES } from "../../src/rules/index.js";

/**
 * Every glob the scanner reads comes from the repository, which anyone who can push a branch controls. These
 * patterns took from seconds to hours as backtracking RegExps (`*a*a*a*a*a*a*b` on 64 `a`s: 10 s; one more `*a`:
 * 67 s). The matcher's work is counted in steps and must stay within (path length + 1) × a small multiple of the
 * automaton's size, which is linear in the pattern. Tests that go through a whole scan get a generous budget
 * instead (BUDGET_MS, far above what they take and far below what the RegExps took).
 */
const BUDGET_MS = 10_000;
const REPO = "https://github.com/example/gitops.git";

const stars = (k: number, sep = "") => `${`*a${sep}`.repeat(k)}*b`;
const nested = (depth: number) => `${"{a,".repeat(depth)}b${"}".repeat(depth)}`;

function matcher(pattern: string, dialect: GlobDialect): GlobMatcher {
  const parsed = parseGlob(pattern, dialect);
  if (!parsed.ok) throw new Error(parsed.error);
  return new GlobMatcher(parsed.node);
}

/** Runs `text` through a fresh matcher and checks the work against the linear bound. */
function boundedTest(m: GlobMatcher, text: string): boolean {
  const before = m.steps;
  const result = m.test(text);
  expect(m.steps - before).toBeLessThanOrEqual((text.length + 1) * 4 * m.size);
  return result;
}

function job(name: string): string {
  return `apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: ${name}\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n`;
}

describe("Argo CD's glob languages, worst cases", () => {
  const lengths = [64, 1000, 4096];

  it.each(lengths)("*a*a…*b (Go path.Match and gobwas) against %i a's", (n) => {
    const pattern = stars(Math.floor((MAX_PATTERN_LENGTH - 2) / 2));
    for (const m of [goPathMatcher(pattern), gobwasGlobMatcher(pattern)]) {
      if (!m) throw new Error("pattern refused");
      expect(boundedTest(m, "a".repeat(n))).toBe(false);
      expect(boundedTest(m, `${"a".repeat(n)}b`)).toBe(n >= 511);
    }
  });

  it("a pattern's size stays linear: the automaton of 510 stars has under 3 instructions per character", () => {
    const pattern = stars(510);
    expect(matcher(pattern, "gobwas").size).toBeLessThan(3 * pattern.length);
  });

  it("Go's * stays in its segment even when the pattern is hostile", () => {
    const m = goPathMatcher(stars(20));
    expect(m && boundedTest(m, `${"a".repeat(30)}/${"a".repeat(30)}b`)).toBe(false);
    expect(m && boundedTest(m, `${"a".repeat(30)}b`)).toBe(true);
  });

  it("gobwas braces nested 250 deep", () => {
    const m = matcher(nested(250), "gobwas");
    expect(boundedTest(m, "b")).toBe(true);
    expect(boundedTest(m, "a")).toBe(true);
    expect(boundedTest(m, "c".repeat(4096))).toBe(false);
  });

  it("gobwas alternation of stars: {*a*a…b,*a*a…b,…}", () => {
    const option = stars(30);
    const m = matcher(`{${Array.from({ length: 15 }, () => option).join(",")}}`, "gobwas");
    expect(boundedTest(m, "a".repeat(4096))).toBe(false);
  });

  it("refuses patterns over the length limit instead of compiling them", () => {
    expect(goPathMatcher("a".repeat(MAX_PATTERN_LENGTH + 1))).toBeNull();
    expect(gobwasGlobMatcher(nested(400))).toBeNull();
  });

  it("the DFA cache is bounded: a pattern with exponentially many states still matches correctly", () => {
    // `*a` followed by 12 `?`: the classic pattern whose DFA has 2^13 states.
    const m = matcher(`*a${"?".repeat(12)}`, "gobwas");
    let seed = 7;
    let text = "";
    for (let i = 0; i < 50_000; i++) {
      seed = (seed * 48271) % 2147483647;
      text += seed % 2 === 0 ? "a" : "b";
    }
    expect(boundedTest(m, text)).toBe(text[text.length - 13] === "a");
  });
});

describe("configuration globs (ignore, paths, applications)", () => {
  it("**/*a*a…*b against a 64-character name and longer", () => {
    const pattern = `**/${stars(20)}`;
    const test = configGlobTest([pattern]);
    for (const n of [64, 1000, 4096]) {
      expect(test(`dir/${"a".repeat(n)}`)).toBe(false);
      expect(test(`dir/${"a".repeat(n)}b`)).toBe(n >= 20);
    }
    const m = matcher(pattern, "config");
    expect(boundedTest(m, `dir/${"a".repeat(4096)}`)).toBe(false);
  });

  it("**/**/**/… and deep braces", () => {
    const globstars = matcher(`${"**/".repeat(300)}x`, "config");
    expect(boundedTest(globstars, `${"a/".repeat(2000)}x`)).toBe(true);
    expect(boundedTest(globstars, `${"a/".repeat(2000)}y`)).toBe(false);
    const braces = matcher(nested(250), "config");
    expect(boundedTest(braces, "b")).toBe(true);
    expect(boundedTest(braces, "a".repeat(4096))).toBe(false);
  });

  it("brace ranges are bounded: {1..100000} is refused, small ranges expand", () => {
    expect(parseGlob("{1..100000}", "config")).toEqual({
      ok: false,
      error: "brace ranges expand to more than 1000 items",
    });
    expect(parseGlob("{1..99999999999999999999}", "config").ok).toBe(false);
    const test = configGlobTest(["app-{1..20}/{a..c}.yaml"]);
    expect(test("app-17/b.yaml")).toBe(true);
    expect(test("app-21/b.yaml")).toBe(false);
  });

  it("the schema rejects over-long, over-expanding and extglob patterns with the key that holds them", () => {
    const result = validateConfig(
      {
        ignore: ["ok/**", "a".repeat(MAX_PATTERN_LENGTH + 1)],
        paths: ["!{1..5000}"],
        applications: ["@(a|b)"],
      },
      RULE_IDS,
    );

    expect(result).toEqual({
      ok: false,
      errors: [
        "paths.0: invalid glob: brace ranges expand to more than 1000 items",
        `ignore.1: invalid glob: longer than ${MAX_PATTERN_LENGTH} characters`,
        "applications.0: invalid glob: extglobs such as @(a|b) are not supported; use {a,b}",
      ],
    });
  });

  it("the schema caps how many globs a list holds", () => {
    const result = validateConfig({ ignore: Array.from({ length: 257 }, (_, i) => `dir-${i}/**`) }, RULE_IDS);
    expect(result.ok).toBe(false);
  });

  it("means what picomatch ({ dot: true }) means on the shapes configurations use", () => {
    const patterns = [
      "**",
      "apps/**",
      "!apps/legacy/**",
      "**/test-fixtures/**",
      "clusters/**/*.yaml",
      "*.{yaml,yml}",
      "apps/*/job.yaml",
      "apps/**/b",
      "a?c/**",
      "[a-c]*/x",
      "[^a]*/x",
      "\\*.yaml",
      "{apps,charts}/**/templates/*",
      "app-{1..3}/**",
      "./apps/*",
      "{a}/x",
      "**/.github/**",
    ];
    const paths = [
      "apps",
      "apps/web/job.yaml",
      "apps/legacy/old.yaml",
      "x/test-fixtures/y.yaml",
      "clusters/prod/app.yaml",
      "clusters/app.yaml",
      "a.yml",
      "dir/a.yml",
      "apps/b",
      "apps/x/y/b",
      "abc/d",
      "b1/x",
      "a1/x",
      "*.yaml",
      "x.yaml",
      "charts/web/templates/job.yaml",
      "app-2/a",
      "app-4/a",
      "{a}/x",
      "a/x",
      ".github/workflows/ci.yml",
      "src/.github/x",
    ];
    for (const pattern of patterns) {
      const expected = picomatch(pattern, { dot: true });
      const actual = configGlobTest([pattern]);
      for (const path of paths)
        expect(`${pattern} ${path} ${actual(path)}`).toBe(`${pattern} ${path} ${expected(path)}`);
    }
  });
});

describe("whole scans with hostile patterns", () => {
  const longName = `${"a".repeat(64)}.yaml`;
  const longerName = `${"a".repeat(1000)}.yaml`;

  it(
    "an Application's directory include/exclude",
    () => {
      const source = `  source:\n    repoURL: ${REPO}\n    path: apps\n    directory:\n      recurse: true\n      include: '${stars(20)}'\n      exclude: '{${stars(10)},${stars(12)}}'\n`;
      const app = `apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: web\nspec:\n${source}`;
      const files = [
        { path: "argocd/app.yaml", content: app },
        { path: `apps/${longName}`, content: job("long") },
        { path: `apps/${"a".repeat(20)}/${longerName}`, content: job("longer") },
      ];

      const result = scanRepository({ rules: RULES, files, repoUrl: REPO });

      // Neither name ends in "b": the include matches nothing.
      expect(result.findings).toEqual([]);
    },
    BUDGET_MS,
  );

  it("an over-long include matches nothing, as a pattern Argo CD cannot compile", () => {
    const include = `{${Array.from({ length: 200 }, (_, i) => `d${i}/*`).join(",")},*.yaml}`;
    const app = `apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: web\nspec:\n  source:\n    repoURL: ${REPO}\n    path: apps\n    directory:\n      include: '${include}'\n`;

    const result = scanRepository({
      rules: RULES,
      files: [
        { path: "argocd/app.yaml", content: app },
        { path: "apps/job.yaml", content: job("a") },
      ],
      repoUrl: REPO,
    });

    expect(include.length).toBeGreaterThan(MAX_PATTERN_LENGTH);
    expect(result.apps[0]?.paths).toEqual(["apps"]);
    expect(result.findings).toEqual([]);
  });

  it(
    "an ApplicationSet's git generator path and a templated source path",
    () => {
      const appset = `apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: apps
spec:
  generators:
    - git:
        repoURL: ${REPO}
        directories:
          - path: '${stars(20)}'
          - path: '*'
        files:
          - path: '${stars(20, "?")}'
  template:
    metadata:
      name: x
    spec:
      source:
        repoURL: ${REPO}
        path: '${"{{x}}a".repeat(40)}{{path}}/{{y}}b'
`;
      const dirs = [`${"a".repeat(64)}`, `${"a".repeat(1000)}`, `x/${"a".repeat(200)}/${"a".repeat(200)}`];
      const files = [
        { path: "argocd/appset.yaml", content: appset },
        ...dirs.map((dir) => ({ path: `${dir}/${longName}`, content: job(dir.slice(0, 8)) })),
      ];

      const result = scanRepository({ rules: RULES, files, repoUrl: REPO });

      // No directory ends in "b": the ApplicationSet deploys nothing from here.
      expect(result.apps.map((app) => app.paths)).toEqual([[]]);
    },
    BUDGET_MS,
  );

  it(
    "a templated path whose unknown parts (a cluster's facts) become one-segment stars: {{name}}a{{name}}a…b",
    () => {
      const appset = `apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: clusters
spec:
  generators:
    - clusters:
        values:
          root: apps
  template:
    metadata:
      name: x
    spec:
      source:
        repoURL: ${REPO}
        path: '{{values.root}}/${"{{name}}a".repeat(60)}{{server}}b'
`;
      const dirs = [`apps/${"a".repeat(64)}`, `apps/${"a".repeat(1000)}`, `apps/${"a".repeat(200)}b`];
      const files = [
        { path: "argocd/appset.yaml", content: appset },
        ...dirs.map((dir) => ({ path: `${dir}/${longName}`, content: job(dir.slice(5, 13)) })),
      ];

      const result = scanRepository({ rules: RULES, files, repoUrl: REPO });

      expect(result.apps[0]?.paths).toEqual([`apps/${"a".repeat(200)}b`]);
      expect(result.apps[0]?.resolution).toBe("partial");
    },
    BUDGET_MS,
  );

  it(
    "a source path of 100,000 unclosed {{ is refused as too long, not rescanned",
    () => {
      const app = `apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: web\nspec:\n  source:\n    repoURL: ${REPO}\n    path: '${"{{".repeat(100_000)}'\n`;
      const result = scanRepository({
        rules: RULES,
        files: [
          { path: "argocd/app.yaml", content: app },
          { path: `apps/${longName}`, content: job("a") },
        ],
        repoUrl: REPO,
      });

      expect(result.apps[0]?.paths).toEqual([]);
      expect(result.apps[0]?.notes).toEqual([
        `templated path longer than ${MAX_PATTERN_LENGTH} characters was not matched`,
      ]);
    },
    BUDGET_MS,
  );

  it(
    "config ignore and paths globs",
    () => {
      const config = {
        ...DEFAULT_CONFIG,
        ignore: [`**/${stars(20)}`, nested(250)],
        paths: [`**/${stars(20, "?")}.yaml`, `!${"**/".repeat(200)}${stars(20)}`],
      };
      const files = [
        { path: `apps/${longName}`, content: job("long") },
        { path: `apps/${"a".repeat(30)}/${longerName}`, content: job("longer") },
      ];

      const result = scanRepository({ rules: RULES, files, repoUrl: REPO, config });

      expect(result.findings).toEqual([]);
    },
    BUDGET_MS,
  );
});
