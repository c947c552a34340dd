import { describe, expect, it } from "@jest/globals";
import { DEFAULT_CONFIG, type Config } from "../../src/config/schema.js";
import { buildStrategyFix } from "../../src/engine/fix/strategy-fix.js";
import { applyEdits } from "../../src/engine/fix/text-edit.js";
import { buildJobView, type JobView } from "../../src/engine/jobs/job-view.js";
import { parseManifestFile } from "../../src/engine/manifests/parse-manifests.js";

/**
 * The strategy fix turns a plain Job into one Argo CD re-creates, as `fix.strategy` asks; where that strategy
 * cannot work for this Job it falls back to a hook and says why, and it never writes what would not take effect.
 */

function jobOf(text: string): JobView {
  const outcome = parseManifestFile("job.yaml", text);
  if (!outcome.ok) throw new Error(outcome.reason);
  const object = outcome.file.objects[0];
  if (!object) throw new Error("no object");
  return buildJobView(outcome.file, object, []);
}

const plain = (metadata = "  name: report\n", command = "./report") => `apiVersion: batch/v1
kind: Job
metadata:
${metadata}spec:
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: main
          image: busybox
          command: ["${command}"]
`;

const config = (fix: Partial<Config["fix"]>): Config => ({
  ...DEFAULT_CONFIG,
  fix: { ...DEFAULT_CONFIG.fix, ...fix },
});

function outcome(job: JobView, fix: Partial<Config["fix"]> = {}, options = {}) {
  const result = buildStrategyFix(job, config(fix), options);
  if (!("fix" in result)) return { reason: result.noFixReason, text: null, description: null };
  return {
    reason: null,
    text: applyEdits(job.file.text, result.fix.edits).text,
    description: result.fix.description,
  };
}

describe("the hook strategy", () => {
  it("makes a Job a Sync hook, or a PreSync hook when it looks like a migration", () => {
    expect(outcome(jobOf(plain())).text).toContain("argocd.argoproj.io/hook: Sync\n");
    expect(outcome(jobOf(plain("  name: db-migrate\n", "./manage.py migrate"))).text).toContain(
      "argocd.argoproj.io/hook: PreSync\n",
    );
  });

  it("uses the configured phase and delete policy over its own choice", () => {
    const fixed = outcome(jobOf(plain()), { hookPhase: "PostSync", deletePolicy: "HookSucceeded" });

    expect(fixed.text).toContain(
      "    argocd.argoproj.io/hook: PostSync\n    argocd.argoproj.io/hook-delete-policy: HookSucceeded\n",
    );
  });

  it("removes Force=true under server-side apply, keeping the other options and their spacing", () => {
    const job = {
      ...jobOf(
        plain(
          '  name: report\n  annotations:\n    argocd.argoproj.io/sync-options: "Replace=true, Force=true"\n',
        ),
      ),
      serverSideApply: true,
      forceAnnotation: true,
    };

    const fixed = outcome(job);

    expect(fixed.text).toContain('argocd.argoproj.io/sync-options: "Replace=true"\n');
    expect(fixed.description).toContain("Force=true is removed");
  });

  it("leaves Force=true alone without server-side apply", () => {
    const job = {
      ...jobOf(plain("  name: report\n  annotations:\n    argocd.argoproj.io/sync-options: Force=true\n")),
      forceAnnotation: true,
    };

    expect(outcome(job).text).toContain("argocd.argoproj.io/sync-options: Force=true\n");
  });

  it("gives a Job that has only a generateName (a new Job each sync) delete policy HookSucceeded", () => {
    const fixed = outcome(jobOf(plain("  generateName: report-\n")), { deletePolicy: "BeforeHookCreation" });

    expect(fixed.text).toContain("argocd.argoproj.io/hook-delete-policy: HookSucceeded\n");
    expect(fixed.description).toContain("With generateName every sync creates a new Job");
  });

  it("gives a named Job the configured delete policy, written as tokens without the spaces around its commas", () => {
    const fixed = outcome(jobOf(plain()), { deletePolicy: "BeforeHookCreation, HookSucceeded" });

    expect(fixed.text).toContain(
      "    argocd.argoproj.io/hook-delete-policy: BeforeHookCreation,HookSucceeded\n",
    );
    expect(fixed.description).toContain(
      "Make the Job a Sync hook with delete policy BeforeHookCreation, HookSucceeded.",
    );
    expect(fixed.description).toContain("As a hook the Job runs on every sync");
  });

  it("keeps the Job's own sync-wave, and says so, only when it has one", () => {
    const waved = outcome(
      jobOf(plain('  name: report\n  annotations:\n    argocd.argoproj.io/sync-wave: "5"\n')),
    );

    expect(waved.description).toContain(
      "Sync, because nothing in it says it must run before the app's other resources. Its sync-wave 5 is kept.",
    );
    expect(outcome(jobOf(plain())).description).toContain(
      "Sync, because nothing in it says it must run before the app's other resources. ",
    );
    expect(outcome(jobOf(plain())).description).not.toContain("sync-wave");
  });

  it("quotes the migration evidence whole in its reason, dots and all", () => {
    const job = jobOf(
      plain("  name: ledger\n", "flyway").replace("image: busybox", "image: registry.acme.io/flyway:10.1"),
    );

    expect(outcome(job).description).toContain(
      'PreSync, because the image "registry.acme.io/flyway:10.1" says it is a schema migration',
    );
  });

  it.each([
    ["the caller knows force would not help", { forceDoesNotHelp: "the change is to the selector" }, false],
    ["server-side apply is in effect", {}, true],
  ])(
    "says nothing of the force strategy when it was not chosen, even where %s",
    (_label, options, serverSideApply) => {
      for (const strategy of ["hook", "generateName"] as const) {
        const fixed = outcome({ ...jobOf(plain()), serverSideApply }, { strategy }, options);

        expect(fixed.description).not.toContain("force strategy");
        expect(fixed.text).toContain(strategy === "hook" ? "  name: report\n" : "  generateName: report-\n");
      }
    },
  );

  it("names the strategies not taken, so the user can choose another", () => {
    expect(outcome(jobOf(plain())).description).toMatch(
      /Other strategies \(config fix\.strategy\): force, generateName\.$/,
    );
    expect(outcome(jobOf(plain()), { strategy: "force" }).description).toMatch(
      /Other strategies \(config fix\.strategy\): hook, generateName\.$/,
    );
  });

  it("is not made when Helm values complete the annotations", () => {
    expect(outcome({ ...jobOf(plain()), annotationsTemplated: true }).reason).toBe(
      "the Job's annotations come partly from Helm values, so the fix belongs in the values or the template by hand",
    );
  });

  it("says why when there is no place for the annotations", () => {
    const job = jobOf("apiVersion: batch/v1\nkind: Job\nspec:\n  template: {}\n");

    expect(outcome(job).reason).toBe("no safe place was found in the manifest to add the annotations");
  });
});

describe("the force strategy", () => {
  it("adds Force=true to the Job's sync options, merged with those it has", () => {
    const job = jobOf(
      plain("  name: report\n  annotations:\n    argocd.argoproj.io/sync-options: Validate=false\n"),
    );

    const fixed = outcome(job, { strategy: "force" });

    expect(fixed.text).toContain("argocd.argoproj.io/sync-options: Validate=false,Force=true\n");
    expect(fixed.text).not.toContain("argocd.argoproj.io/hook");
  });

  it("explains the re-create on every sync when Replace=true is set too", () => {
    const fixed = outcome({ ...jobOf(plain()), replace: true }, { strategy: "force" });

    expect(fixed.description).toContain("With Replace=true also set");
  });

  it("falls back to a hook under server-side apply, where Force=true does nothing, and says so", () => {
    const fixed = outcome({ ...jobOf(plain()), serverSideApply: true }, { strategy: "force" });

    expect(fixed.text).toContain("argocd.argoproj.io/hook: Sync\n");
    expect(fixed.description).toMatch(
      /^The force strategy is not offered because server-side apply is in effect/,
    );
  });

  it("falls back to a hook when the caller knows force would not help, with the caller's reason", () => {
    const fixed = outcome(
      jobOf(plain()),
      { strategy: "force" },
      { forceDoesNotHelp: "the change is to the selector" },
    );

    expect(fixed.text).toContain("argocd.argoproj.io/hook: Sync\n");
    expect(fixed.description).toMatch(
      /^The force strategy is not offered because the change is to the selector\. /,
    );
  });

  it("leaves sync options a Kustomize patch sets to the patch", () => {
    const job = {
      ...jobOf(plain()),
      patchedAnnotations: {
        keys: new Set(["argocd.argoproj.io/sync-options"]),
        sources: ["overlay/kustomization.yaml"],
      },
    };

    expect(outcome(job, { strategy: "force" }).reason).toBe(
      "argocd.argoproj.io/sync-options is set by the Kustomize patch in overlay/kustomization.yaml: change it there",
    );
  });

  it("says why when there is no place for the annotation", () => {
    const job = jobOf("apiVersion: batch/v1\nkind: Job\nspec:\n  template: {}\n");

    expect(outcome(job, { strategy: "force" }).reason).toBe(
      "no safe place was found in the manifest to add the annotation",
    );
  });
});

describe("the generateName strategy", () => {
  it("renames metadata.name to a generateName, with delete policy HookSucceeded", () => {
    const fixed = outcome(jobOf(plain()), { strategy: "generateName" });

    expect(fixed.text).toContain("  generateName: report-\n");
    expect(fixed.text).not.toContain("  name: report\n");
    expect(fixed.text).toContain("argocd.argoproj.io/hook-delete-policy: HookSucceeded\n");
  });

  it("cuts a long name so that Argo CD's suffix fits, and drops the separators the cut leaves at its end", () => {
    // Cut at 35 characters, the name ends in "-.": both go before Argo CD's "-" is added.
    const name = `${"a".repeat(33)}-.bcd`;
    const fixed = outcome(jobOf(plain(`  name: ${name}\n`)), { strategy: "generateName" });

    expect(fixed.text).toContain(`  generateName: ${"a".repeat(33)}-\n`);
  });

  it.each([
    ["without a literal name", "  generateName: report-\n"],
    ["whose name Helm fills in", '  name: "{{ .Release.Name }}"\n'],
  ])("falls back to a hook for a Job %s, and says so", (_label, metadata) => {
    const fixed = outcome(jobOf(plain(metadata)), { strategy: "generateName" });

    expect(fixed.description).toMatch(/^The generateName strategy needs a literal metadata\.name\. /);
  });

  it("falls back for a Job without any name, with the configured delete policy", () => {
    const fixed = outcome(jobOf(plain("  labels: {}\n")), { strategy: "generateName" });

    expect(fixed.description).toMatch(
      /^The generateName strategy needs a literal metadata\.name\. Make the Job a Sync hook with delete policy BeforeHookCreation\./,
    );
  });

  it("writes the generateName in the name's own style: a comma stays plain in a block map", () => {
    const fixed = outcome(jobOf(plain("  name: a,b\n")), { strategy: "generateName" });

    expect(fixed.text).toContain("  generateName: a,b-\n");
  });

  it.each([
    ["value", "  name: &n report\n"],
    ["key", "  &n name: report\n"],
  ])(
    "never renames a name whose %s carries an anchor: aliases elsewhere would be renamed too",
    (_where, metadata) => {
      expect(outcome(jobOf(plain(metadata)), { strategy: "generateName" }).reason).toBe(
        "metadata.name carries the YAML anchor &n: other objects may share it through aliases, and renaming it would rename them too",
      );
    },
  );

  it("falls back for a Job that has both a name and a generateName", () => {
    const fixed = outcome(jobOf(plain("  name: report\n  generateName: report-\n")), {
      strategy: "generateName",
    });

    expect(fixed.description).toMatch(/^The generateName strategy needs a literal metadata\.name\. /);
    expect(fixed.text).toContain("  name: report\n");
    // Kubernetes uses the name and ignores generateName: the Job is not a new one each sync.
    expect(fixed.text).toContain("argocd.argoproj.io/hook-delete-policy: BeforeHookCreation\n");
  });
});
