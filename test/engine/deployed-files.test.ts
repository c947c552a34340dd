import { describe, expect, it } from "@jest/globals";
import { RULES } from "../../src/rules/index.js";
import { DEFAULT_CONFIG, type Config } from "../../src/config/schema.js";
import { scanRepository } from "../../src/engine/scan.js";
import type { RepoFile } from "../../src/engine/types.js";

const REPO = "https://github.com/example/gitops.git";

function job(name: string): string {
  return `apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: ${name}\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n`;
}

function application(name: string, source: string, extra = ""): string {
  return `apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: ${name}\nspec:\n${source}${extra}`;
}

function reportedJobs(files: RepoFile[], repoUrl: string | null = REPO): string[] {
  return scanRepository({ rules: RULES, files, repoUrl })
    .findings.map((f) => `${f.file}:${f.name}`)
    .sort();
}

describe("which files Argo CD deploys", () => {
  it("a plain directory: its own files only, unless recurse", () => {
    const files = [
      {
        path: "argocd/app.yaml",
        content: application("web", `  source:\n    repoURL: ${REPO}\n    path: apps/web\n`),
      },
      { path: "apps/web/job.yaml", content: job("top") },
      { path: "apps/web/nested/job.yaml", content: job("nested") },
      { path: "other/job.yaml", content: job("other") },
    ];

    expect(reportedJobs(files)).toEqual(["apps/web/job.yaml:top"]);
  });

  it("recurse with include and exclude (gobwas globs: * crosses /, exclude first)", () => {
    const source = `  source:\n    repoURL: ${REPO}\n    path: apps\n    directory:\n      recurse: true\n      include: '{*.yaml,*.yml}'\n      exclude: 'legacy/*'\n`;
    const files = [
      { path: "argocd/app.yaml", content: application("all", source) },
      { path: "apps/a/job.yaml", content: job("a") },
      { path: "apps/b/c/job.yml", content: job("c") },
      { path: "apps/legacy/old.yaml", content: job("old") },
      {
        path: "apps/data.json",
        content: JSON.stringify({ apiVersion: "batch/v1", kind: "Job", metadata: { name: "json" } }),
      },
    ];

    expect(reportedJobs(files)).toEqual(["apps/a/job.yaml:a", "apps/b/c/job.yml:c"]);
  });

  it("a Helm chart: templates and vendored subcharts, not helpers", () => {
    const files = [
      {
        path: "argocd/app.yaml",
        content: application("chart", `  source:\n    repoURL: ${REPO}\n    path: charts/app\n`),
      },
      { path: "charts/app/Chart.yaml", content: "apiVersion: v2\nname: app\nversion: 1.0.0\n" },
      { path: "charts/app/templates/job.yaml", content: job("{{ .Release.Name }}-migrate") },
      { path: "charts/app/templates/_helpers.tpl", content: '{{- define "x" -}}x{{- end -}}\n' },
      { path: "charts/app/charts/db/Chart.yaml", content: "apiVersion: v2\nname: db\nversion: 1.0.0\n" },
      { path: "charts/app/charts/db/templates/init.yaml", content: job("db-init") },
    ];

    expect(reportedJobs(files)).toEqual([
      "charts/app/charts/db/templates/init.yaml:db-init",
      "charts/app/templates/job.yaml:{{ .Release.Name }}-migrate",
    ]);
  });

  it("Kustomize: resources, bases and components followed transitively; the base Job reported once", () => {
    const files = [
      {
        path: "argocd/prod.yaml",
        content: application("prod", `  source:\n    repoURL: ${REPO}\n    path: web/overlays/prod\n`),
      },
      {
        path: "argocd/dev.yaml",
        content: application("dev", `  source:\n    repoURL: ${REPO}\n    path: web/overlays/dev\n`),
      },
      { path: "web/base/kustomization.yaml", content: "resources:\n  - job.yaml\n" },
      { path: "web/base/job.yaml", content: job("base-job") },
      { path: "web/base/unlisted.yaml", content: job("unlisted") },
      {
        path: "web/overlays/prod/kustomization.yaml",
        content: "resources:\n  - ../../base\ncomponents:\n  - ../../components/extra\n",
      },
      { path: "web/overlays/dev/kustomization.yml", content: "bases:\n  - ../../base\n" },
      {
        path: "web/components/extra/kustomization.yaml",
        content: "kind: Component\nresources:\n  - extra-job.yaml\n",
      },
      { path: "web/components/extra/extra-job.yaml", content: job("extra") },
    ];

    expect(reportedJobs(files)).toEqual([
      "web/base/job.yaml:base-job",
      "web/components/extra/extra-job.yaml:extra",
    ]);
  });

  it("ApplicationSet git directories: Go path.Match (* stays in one segment), exclusions win", () => {
    const appset = `apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: apps
spec:
  generators:
    - git:
        repoURL: ${REPO}
        directories:
          - path: apps/*
          - path: apps/skip
            exclude: true
  template:
    metadata:
      name: '{{path.basename}}'
    spec:
      source:
        repoURL: ${REPO}
        path: '{{path}}'
`;
    const files = [
      { path: "argocd/appset.yaml", content: appset },
      { path: "apps/a/job.yaml", content: job("a") },
      { path: "apps/skip/job.yaml", content: job("skip") },
      { path: "apps/a/deep/job.yaml", content: job("deep") },
      { path: "elsewhere/job.yaml", content: job("elsewhere") },
    ];

    const result = scanRepository({ rules: RULES, files, repoUrl: REPO });

    expect(result.findings.map((f) => f.name)).toEqual(["a"]);
    expect(result.apps[0]?.paths).toEqual(["apps/a"]);
  });

  it("templated paths: generator parameters stand for the generated directories, an unknown part for one segment", () => {
    const appset = (path: string) => `apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: apps
spec:
  generators:
    - git:
        repoURL: ${REPO}
        directories:
          - path: apps/*
  template:
    metadata:
      name: x
    spec:
      source:
        repoURL: ${REPO}
        path: '${path}'
`;
    const files = [
      { path: "apps/a/base.yaml", content: "kind: ConfigMap\n" },
      { path: "apps/b/base.yaml", content: "kind: ConfigMap\n" },
      { path: "apps/a/overlays/prod/job.yaml", content: job("a-prod") },
      { path: "apps/b/overlays/dev/eu/job.yaml", content: job("b-dev-eu") },
      { path: "other/a/overlays/prod/job.yaml", content: job("other") },
      { path: "envs/a/job.yaml", content: job("env-a") },
      { path: "envs/c/job.yaml", content: job("env-c") },
    ];
    const paths = (path: string) =>
      scanRepository({
        rules: RULES,
        files: [{ path: "argocd/appset.yaml", content: appset(path) }, ...files],
        repoUrl: REPO,
      }).apps[0]?.paths;

    // The legacy syntax knows no `.Values`: Argo CD leaves `{{ .Values.cluster }}` as written, no such directory.
    expect(paths("{{path}}/overlays/{{ .Values.cluster }}/")).toEqual([]);
    expect(paths("envs/{{path.basename}}")).toEqual(["envs/a"]);
    // A parameter no generator gives is not a wildcard over the repository.
    expect(paths("{{x}}/overlays/prod")).toEqual([]);
  });

  it("multi-source: sources override source; chart and ref-only sources deploy nothing from here", () => {
    const sources = `  source:\n    repoURL: ${REPO}\n    path: ignored\n  sources:\n    - repoURL: https://charts.example.com\n      chart: redis\n      targetRevision: 1.0.0\n    - repoURL: git@github.com:Example/gitops.git\n      ref: values\n    - repoURL: ssh://git@github.com/example/gitops\n      path: apps/api\n`;
    const files = [
      { path: "argocd/app.yaml", content: application("api", sources) },
      { path: "ignored/job.yaml", content: job("ignored") },
      { path: "apps/api/job.yaml", content: job("api") },
    ];

    expect(reportedJobs(files)).toEqual(["apps/api/job.yaml:api"]);
  });

  it("a source of another repository deploys nothing from this one", () => {
    const files = [
      {
        path: "argocd/app.yaml",
        content: application("x", `  source:\n    repoURL: https://github.com/other/repo\n    path: apps\n`),
      },
      {
        path: "argocd/mine.yaml",
        content: application("y", `  source:\n    repoURL: ${REPO}\n    path: mine\n`),
      },
      { path: "apps/job.yaml", content: job("theirs") },
      { path: "mine/job.yaml", content: job("mine") },
    ];

    expect(reportedJobs(files)).toEqual(["mine/job.yaml:mine"]);
  });

  it("without a known repository URL, a source whose path exists counts as this repository", () => {
    const files = [
      {
        path: "argocd/app.yaml",
        content: application(
          "x",
          `  source:\n    repoURL: https://github.com/someone/else\n    path: apps\n`,
        ),
      },
      { path: "apps/job.yaml", content: job("here") },
      { path: "notdeployed/job.yaml", content: job("not") },
    ];

    expect(reportedJobs(files, null)).toEqual(["apps/job.yaml:here"]);
  });

  it("no Application: config paths decide; with none, everything is assumed deployed and said so", () => {
    const files = [
      { path: "apps/job.yaml", content: job("a") },
      { path: "apps/legacy/job.yaml", content: job("legacy") },
      { path: "tools/job.yaml", content: job("tools") },
    ];

    const assumed = scanRepository({ rules: RULES, files });
    const configured = scanRepository({
      rules: RULES,
      files,
      config: defaultConfigWith({ paths: ["apps/**", "!apps/legacy/**"] }),
    });

    expect(assumed.assumedAllDeployed).toBe(true);
    expect(assumed.notes.join()).toMatch(/assumed to be deployed/);
    expect(assumed.findings.map((f) => f.name)).toEqual(["a", "legacy", "tools"]);
    expect(configured.assumedAllDeployed).toBe(false);
    expect(configured.findings.map((f) => f.name)).toEqual(["a"]);
  });

  it("ignore globs drop files from the scan entirely", () => {
    const files = [
      { path: "apps/job.yaml", content: job("a") },
      { path: "apps/test-fixtures/job.yaml", content: job("fixture") },
    ];

    const result = scanRepository({
      rules: RULES,
      files,
      config: defaultConfigWith({ ignore: ["**/test-fixtures/**"] }),
    });

    expect(result.files.scanned).toEqual(["apps/job.yaml"]);
  });

  it("the deploying Application's sync policy reaches the rules (selfHeal raises ttl-on-plain-job to error)", () => {
    const policy = `  syncPolicy:\n    automated:\n      selfHeal: true\n`;
    const files = [
      {
        path: "argocd/app.yaml",
        content: application("x", `  source:\n    repoURL: ${REPO}\n    path: apps\n`, policy),
      },
      { path: "apps/job.yaml", content: `${job("ttl")}  ttlSecondsAfterFinished: 60\n` },
    ];

    const result = scanRepository({ rules: RULES, files, repoUrl: REPO });

    expect(result.findings.map((f) => [f.rule, f.severity])).toEqual([["ttl-on-plain-job", "error"]]);
  });

  it("Applications inside Helm templates are read through the mask (app of apps)", () => {
    const templated = `apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: {{ .Values.name }}\nspec:\n  source:\n    repoURL: "{{ .Values.repoURL }}"\n    path: apps/api\n  syncPolicy:\n    {{- if .Values.auto }}\n    automated: {}\n    {{- end }}\n`;
    const files = [
      { path: "root/Chart.yaml", content: "apiVersion: v2\nname: root\nversion: 1.0.0\n" },
      { path: "root/templates/api.yaml", content: templated },
      { path: "apps/api/job.yaml", content: job("api") },
      { path: "apps/other/job.yaml", content: job("other") },
    ];

    expect(reportedJobs(files)).toEqual(["apps/api/job.yaml:api"]);
  });
});

function defaultConfigWith(overrides: Partial<Config>): Config {
  return { ...DEFAULT_CONFIG, ...overrides };
}

describe("a file deployed by several Applications", () => {
  it("is judged on the union of their sync options, and the finding says so", () => {
    const files = [
      {
        path: "argocd/a.yaml",
        content: application("a", `  source:\n    repoURL: ${REPO}\n    path: shared\n`),
      },
      {
        path: "argocd/b.yaml",
        content: application(
          "b",
          `  source:\n    repoURL: ${REPO}\n    path: shared\n`,
          "  syncPolicy:\n    syncOptions:\n      - Replace=true\n",
        ),
      },
      { path: "shared/job.yaml", content: job("shared-job") },
    ];

    const result = scanRepository({ rules: RULES, files, repoUrl: REPO });

    expect(result.findings.map((f) => f.rule)).toEqual(["replace-without-force"]);
    expect(result.findings[0]?.message).toContain(
      "(Deployed by several Applications, a, b, with different sync options: they were combined.)",
    );
  });
});

describe("annotations that Kustomize overlays put on a base Job", () => {
  const app = (name: string, path: string) => ({
    path: `argocd/${name}.yaml`,
    content: application(name, `  source:\n    repoURL: ${REPO}\n    path: ${path}\n`),
  });
  const base = [
    { path: "web/base/kustomization.yaml", content: "resources:\n  - job.yaml\n" },
    { path: "web/base/job.yaml", content: job("migrate") },
  ];

  it.each([
    [
      "a strategic-merge patch file",
      "resources:\n  - ../../base\npatchesStrategicMerge:\n  - hook-patch.yaml\n",
      {
        "web/overlays/prod/hook-patch.yaml":
          "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: migrate\n  annotations:\n    argocd.argoproj.io/hook: PreSync\n",
      },
    ],
    [
      "an inline JSON 6902 patch",
      'resources:\n  - ../../base\npatches:\n  - target: {kind: Job, name: migrate}\n    patch: |-\n      - op: add\n        path: /metadata/annotations\n        value: {"argocd.argoproj.io/hook": "PreSync"}\n',
      {},
    ],
    [
      "commonAnnotations",
      "resources:\n  - ../../base\ncommonAnnotations:\n  argocd.argoproj.io/hook: PreSync\n",
      {},
    ],
  ])("make it a hook through %s: nothing to report", (_label, overlay, extra) => {
    const files = [
      app("prod", "web/overlays/prod"),
      ...base,
      { path: "web/overlays/prod/kustomization.yaml", content: overlay },
      ...Object.entries(extra).map(([path, content]) => ({ path, content })),
    ];

    expect(scanRepository({ rules: RULES, files, repoUrl: REPO }).findings).toEqual([]);
  });

  it("are judged with the base's own, and the fix is left to the patch", () => {
    const overlay =
      "resources:\n  - ../../base\npatches:\n  - target:\n      kind: Job\n      name: migrate\n    patch: |-\n      - op: add\n        path: /metadata/annotations/argocd.argoproj.io~1sync-options\n        value: Force=true,Replace=true\n";
    const files = [
      app("prod", "web/overlays/prod"),
      ...base,
      { path: "web/overlays/prod/kustomization.yaml", content: overlay },
    ];

    const [finding] = scanRepository({ rules: RULES, files, repoUrl: REPO }).findings;

    expect(finding?.rule).toBe("force-replace-every-sync");
    expect(finding?.file).toBe("web/base/job.yaml");
    expect(finding?.message).toContain(
      "(argocd.argoproj.io/sync-options comes from the Kustomize patch in web/overlays/prod/kustomization.yaml.)",
    );
    expect(finding?.fix).toBeNull();
  });

  it("when overlays patch it differently, only its own annotations count, and the finding says so", () => {
    const files = [
      app("prod", "web/overlays/prod"),
      app("dev", "web/overlays/dev"),
      ...base,
      {
        path: "web/overlays/prod/kustomization.yaml",
        content: "resources:\n  - ../../base\ncommonAnnotations:\n  argocd.argoproj.io/hook: Sync\n",
      },
      { path: "web/overlays/dev/kustomization.yaml", content: "resources:\n  - ../../base\n" },
    ];

    const findings = scanRepository({ rules: RULES, files, repoUrl: REPO }).findings;

    expect(findings.map((f) => f.rule)).toEqual(["plain-job"]);
    expect(findings[0]?.message).toContain("patch its annotations differently");
  });
});

describe("helm.skipTests", () => {
  it("drops Helm test hooks at render, so they are not reported as never applied", () => {
    const testJob = job("smoke").replace(
      "metadata:\n",
      "metadata:\n  annotations:\n    helm.sh/hook: test\n",
    );
    const chart = [
      { path: "charts/app/Chart.yaml", content: "apiVersion: v2\nname: app\nversion: 1.0.0\n" },
      { path: "charts/app/templates/smoke-test.yaml", content: testJob },
    ];
    const source = (skip: boolean) =>
      `  source:\n    repoURL: ${REPO}\n    path: charts/app\n${skip ? "    helm:\n      skipTests: true\n" : ""}`;

    const skipping = scanRepository({
      rules: RULES,
      files: [{ path: "argocd/app.yaml", content: application("app", source(true)) }, ...chart],
      repoUrl: REPO,
    });
    const rendering = scanRepository({
      rules: RULES,
      files: [{ path: "argocd/app.yaml", content: application("app", source(false)) }, ...chart],
      repoUrl: REPO,
    });

    expect(skipping.findings).toEqual([]);
    expect(rendering.findings.map((f) => f.rule)).toEqual(["helm-hook-ignored"]);
  });
});
