// Mutation testing of the safety core (npm run test:mutation): a guarantee no mutant can break unnoticed is one the
// tests really hold. A tool to run, not a CI gate: a full run takes minutes. One folder at a time:
//   npm run test:mutation -- --mutate "src/engine/fix/**/*.ts"
/**
 * Which test files run against each mutant (comma-separated paths): Jest in native ESM gives Stryker no per-test
 * coverage, so every mutant runs every selected file; a run on one folder is far faster with the tests that state
 * that folder's guarantees, e.g.
 *   STRYKER_TESTS=test/engine/immutable-fields.test.ts npm run test:mutation -- --mutate "src/engine/immutable/**"
 */
const tests = process.env.STRYKER_TESTS?.split(",").filter(Boolean) ?? [
  "test/engine/**/*.test.ts",
  "test/rules/**/*.test.ts",
];

/** @type {import("@stryker-mutator/api/core").PartialStrykerOptions} */
export default {
  mutate: [
    "src/engine/fix/**/*.ts",
    "src/engine/immutable/**/*.ts",
    "src/rules/**/*.ts",
    "src/engine/suppression.ts",
  ],
  // The goal is stated over non-string mutants: a rule's message text is pinned by the fixtures' message ids and
  // outputs, and mutating every word of it would double a run's time for nothing.
  mutator: { excludedMutations: ["StringLiteral"] },
  testRunner: "jest",
  // Jest runs in native ESM (package.json test:unit), so its runner needs the VM modules flag too.
  testRunnerNodeArgs: ["--experimental-vm-modules"],
  jest: {
    projectType: "custom",
    configFile: "jest.config.js",
    // The core's own tests: a mutant must be caught where the guarantee is stated, not by a CLI or App test that
    // happens to print the same text.
    config: { testMatch: tests.map((path) => `<rootDir>/${path}`) },
    enableFindRelatedTests: false,
  },
  // ts-jest compiles the mutated sources; type errors in a mutant are not a test's business.
  disableTypeChecks: "src/**/*.ts",
  coverageAnalysis: "all",
  // The machine is shared: two test processes at most.
  concurrency: 2,
  timeoutMS: 60000,
  incremental: true,
  incrementalFile: "reports/stryker-incremental.json",
  reporters: ["clear-text", "progress", "html"],
  htmlReporter: { fileName: "reports/mutation/index.html" },
  tempDirName: ".stryker-tmp",
  ignorePatterns: ["dist", "coverage", "reports"],
};
