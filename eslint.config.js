import js from "@eslint/js";
import tseslint from "typescript-eslint";

const pureLayers = ["src/engine/**/*.ts", "src/rules/**/*.ts", "src/render/**/*.ts", "src/config/**/*.ts"];

/** What no pure layer imports. A later block for the same files replaces the list, so each one extends it. */
const noIo = [
  {
    group: ["node:*", "fs", "path", "child_process", "process", "os"],
    message: "The engine does no I/O.",
  },
  {
    group: ["**/cli/**", "**/github/**", "**/app/**", "probot", "@octokit/*"],
    message: "The engine imports no adapter.",
  },
];

export default tseslint.config(
  {
    // .stryker-tmp/ holds Stryker's mutated copies of the sources while a mutation run goes on.
    ignores: [
      "dist/",
      "node_modules/",
      "coverage/",
      "examples/",
      "test/fixtures/",
      "scratch/",
      ".stryker-tmp/",
      "reports/",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ["*.js", "bin/*.js", "bench/*.js", "scripts/*.js"] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    // The engine is pure: text in, findings and edits out. No file system, network, process or clock.
    files: pureLayers,
    rules: {
      "no-restricted-imports": ["error", { patterns: noIo }],
      "no-restricted-globals": ["error", { name: "process", message: "Pass what you need as a parameter." }],
    },
  },
  {
    // The engine owns the rule contract (src/engine/rule-api.ts) and is handed the rules by the adapters.
    files: ["src/engine/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            ...noIo,
            { group: ["**/rules/**"], message: "The engine knows no rule: the adapters pass RULES in." },
          ],
        },
      ],
    },
  },
  {
    // Rules build fixes through RuleContext.fixer; the fix engine's internals are free to change under them.
    files: ["src/rules/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            ...noIo,
            { group: ["**/engine/fix/**"], message: "Use ctx.fixer (src/engine/rule-api.ts)." },
          ],
        },
      ],
    },
  },
  { files: ["**/*.js"], ...tseslint.configs.disableTypeChecked },
  {
    files: ["bin/**/*.js", "scripts/**/*.js", "bench/**/*.js", "stryker.config.js"],
    languageOptions: { globals: { process: "readonly", console: "readonly", Buffer: "readonly" } },
  },
);
