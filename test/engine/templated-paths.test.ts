import { describe, expect, it } from "@jest/globals";
import { RULES } from "../../src/rules/index.js";
import { scanRepository } from "../../src/engine/scan.js";
import type { RepoFile } from "../../src/engine/types.js";

/*
 * Minimal repositories in the shapes met on real GitOps repositories: ApplicationSets whose source path is a
 * template over generator parameters, placeholders a plugin fills in, repository URLs that are not git, and an
 * app-of-apps chart whose templates hold the Applications.
 */
const REPO = "https://github.com/example/gitops.git";

function job(name: string, annotations = ""): string {
  return `apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: ${name}\n${annotations}spec:\n  template:\n    spec:\n      restartPolicy: Never\n`;
}

function applicationSet(name: string, generators: string, source: string, spec = ""): string {
  return `apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: ${name}
spec:
${spec}  generators:
${generators}
  template:
    metadata:
      name: '${name}'
    spec:
      project: default
      source:
${source}
      destination:
        server: https://kubernetes.default.svc
`;
}

function scan(files: RepoFile[], repoUrl: string | null = REPO) {
  const result = scanRepository({ rules: RULES, files, repoUrl });
  return {
    result,
    reported: result.findings.map((f) => `${f.file}:${f.rule}`).sort(),
    app: (name: string) => result.apps.find((app) => app.name === name),
  };
}

describe("templated source paths are evaluated from what the repository says", () => {
  it("cluster generator values are literal; a cluster label stays one segment between the literal ones", () => {
    const appset = applicationSet(
      "teams",
      `    - clusters:\n        values:\n          team: backend`,
      `        repoURL: ${REPO}\n        path: 'teams/{{values.team}}/{{metadata.labels.env}}'`,
    );
    const { reported, app } = scan([
      { path: "argocd/teams.yaml", content: appset },
      { path: "teams/backend/prod/migrate.yaml", content: job("migrate") },
      { path: "teams/frontend/prod/migrate.yaml", content: job("frontend") },
      // A hand-run test Job below an app directory, and a scaffolder skeleton: deployed by nothing.
      { path: "teams/backend/prod/tests/manual-job.yaml", content: job("manual") },
      { path: "skeleton/content/job.yaml", content: job("skeleton") },
    ]);

    expect(reported).toEqual(["teams/backend/prod/migrate.yaml:plain-job"]);
    expect(app("teams")?.paths).toEqual(["teams/backend/prod"]);
    expect(app("teams")?.resolution).toBe("partial");
    expect(app("teams")?.notes.join("\n")).toContain("metadata.labels.env unknown");
  });

  it("a path that is wholly unknown deploys nothing, and is not taken to mean the whole repository", () => {
    const appset = applicationSet(
      "by-annotation",
      `    - clusters: {}`,
      `        repoURL: ${REPO}\n        path: '{{metadata.annotations.path}}'`,
    );
    const { result, reported, app } = scan([
      { path: "argocd/appset.yaml", content: appset },
      { path: "anything/job.yaml", content: job("anything") },
    ]);

    expect(reported).toEqual([]);
    expect(result.assumedAllDeployed).toBe(false);
    expect(app("by-annotation")?.resolution).toBe("unresolved");
    expect(app("by-annotation")?.notes.join("\n")).toContain("could not be resolved");
  });

  it("list generator elements (legacy syntax): only the listed directories", () => {
    const appset = applicationSet(
      "services",
      `    - list:\n        elements:\n          - name: web\n          - name: api\n            values:\n              overlay: prod`,
      `        repoURL: ${REPO}\n        path: 'apps/{{name}}'`,
    );
    const { reported, app } = scan([
      { path: "argocd/services.yaml", content: appset },
      { path: "apps/web/job.yaml", content: job("web") },
      { path: "apps/api/job.yaml", content: job("api") },
      { path: "apps/batch/job.yaml", content: job("batch") },
    ]);

    expect(reported).toEqual(["apps/api/job.yaml:plain-job", "apps/web/job.yaml:plain-job"]);
    expect(app("services")?.resolution).toBe("evaluated");
  });

  it("a templated repoURL keeps only the elements that name this repository", () => {
    const appset = applicationSet(
      "mixed",
      `    - list:\n        elements:\n          - url: ${REPO}\n            dir: apps/a\n          - url: https://github.com/example/other.git\n            dir: apps/b`,
      `        repoURL: '{{url}}'\n        path: '{{dir}}'`,
    );
    const { reported } = scan([
      { path: "argocd/mixed.yaml", content: appset },
      { path: "apps/a/job.yaml", content: job("a") },
      { path: "apps/b/job.yaml", content: job("b") },
    ]);

    expect(reported).toEqual(["apps/a/job.yaml:plain-job"]);
  });

  it("git files generator: the parameters are the matched files' contents", () => {
    const appset = applicationSet(
      "from-config",
      `    - git:\n        repoURL: ${REPO}\n        revision: HEAD\n        files:\n          - path: 'config/*/app.json'`,
      `        repoURL: ${REPO}\n        path: '{{app.dir}}/{{path.basename}}'`,
    );
    const { reported } = scan([
      { path: "argocd/appset.yaml", content: appset },
      { path: "config/eu/app.json", content: '{"app": {"dir": "services/billing"}}' },
      { path: "services/billing/eu/job.yaml", content: job("billing-eu") },
      { path: "services/billing/us/job.yaml", content: job("billing-us") },
      { path: "services/shipping/eu/job.yaml", content: job("shipping-eu") },
    ]);

    expect(reported).toEqual(["services/billing/eu/job.yaml:plain-job"]);
  });

  it("git files generator whose file was not read (a reader's fallback): its parameters are unknown, not absent", () => {
    const appset = applicationSet(
      "from-config",
      `    - git:\n        repoURL: ${REPO}\n        revision: HEAD\n        files:\n          - path: 'config/*/app.json'`,
      `        repoURL: ${REPO}\n        path: 'services/{{app.name}}/{{path.basename}}'`,
    );
    const files = [
      { path: "argocd/appset.yaml", content: appset },
      { path: "services/billing/eu/job.yaml", content: job("billing-eu") },
      { path: "services/billing/us/job.yaml", content: job("billing-us") },
    ];

    const result = scanRepository({
      rules: RULES,
      files,
      tree: [...files.map((f) => f.path), "config/eu/app.json"],
      repoUrl: REPO,
    });

    expect(result.findings.map((f) => f.file)).toEqual(["services/billing/eu/job.yaml"]);
    expect(result.apps[0]?.resolution).toBe("partial");
  });

  it("matrix of git directories and list elements, with goTemplate", () => {
    const appset = applicationSet(
      "matrix",
      `    - matrix:\n        generators:\n          - git:\n              repoURL: ${REPO}\n              revision: HEAD\n              directories:\n                - path: clusters/*\n          - list:\n              elements:\n                - app: web`,
      `        repoURL: ${REPO}\n        path: '{{ .path.path }}/{{ .app | lower }}'`,
      "  goTemplate: true\n  goTemplateOptions: [missingkey=error]\n",
    );
    const { reported, app } = scan([
      { path: "argocd/matrix.yaml", content: appset },
      { path: "clusters/a/web/job.yaml", content: job("a-web") },
      { path: "clusters/b/web/job.yaml", content: job("b-web") },
      { path: "clusters/b/api/job.yaml", content: job("b-api") },
    ]);

    expect(reported).toEqual(["clusters/a/web/job.yaml:plain-job", "clusters/b/web/job.yaml:plain-job"]);
    expect(app("matrix")?.notes.join("\n")).toContain("evaluated from matrix");
  });

  it("merge generator: list elements override the cluster values of the clusters they name", () => {
    const appset = applicationSet(
      "ui",
      `    - merge:\n        mergeKeys: [nameNormalized]\n        generators:\n          - clusters:\n              values:\n                dir: empty-base\n          - list:\n              elements:\n                - nameNormalized: prod-eu\n                  values.dir: prod-eu`,
      `        repoURL: ${REPO}\n        path: 'components/ui/{{values.dir}}'`,
    );
    const { app } = scan([
      { path: "argocd/ui.yaml", content: appset },
      { path: "components/ui/empty-base/ns.yaml", content: "kind: Namespace\n" },
      { path: "components/ui/prod-eu/job.yaml", content: job("ui") },
      { path: "components/ui/prod-us/job.yaml", content: job("ui-us") },
    ]);

    expect(app("ui")?.paths).toEqual(["components/ui/empty-base", "components/ui/prod-eu"]);
  });

  it("a Job one Application deploys is not said to be deployed by the others, nor given their sync options", () => {
    const team = (name: string, options: string) =>
      applicationSet(
        name,
        `    - clusters:\n        values:\n          team: ${name}`,
        `        repoURL: ${REPO}\n        path: 'teams/{{values.team}}'`,
      ).replace(
        "      destination:",
        `      syncPolicy:\n        syncOptions: [${options}]\n      destination:`,
      );
    const { result } = scan([
      { path: "argocd/backend.yaml", content: team("backend", "CreateNamespace=true") },
      { path: "argocd/frontend.yaml", content: team("frontend", "Replace=true") },
      { path: "teams/backend/job.yaml", content: job("backend") },
    ]);

    expect(result.findings.map((f) => f.rule)).toEqual(["plain-job"]);
    expect(result.findings[0]?.message).not.toContain("several");
  });

  it("${ARGOCD_ENV_X} in a path is a placeholder for one segment, like a template", () => {
    const app = `apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: web\nspec:\n  source:\n    repoURL: ${REPO}\n    path: apps/web/\${ARGOCD_ENV_OVERLAY}\n    plugin:\n      name: envsubst\n`;
    const { reported, app: summary } = scan([
      { path: "argocd/web.yaml", content: app },
      { path: "apps/web/prod/job.yaml", content: job("web") },
      { path: "apps/web/prod/extra/job.yaml", content: job("deeper") },
      { path: "apps/api/job.yaml", content: job("api") },
    ]);

    expect(reported).toEqual(["apps/web/prod/job.yaml:plain-job"]);
    expect(summary("web")?.resolution).toBe("partial");
  });

  it.each(["cnoe://gitops/apps", "oci://registry.example.com/charts/web", "registry.example.com/charts/web"])(
    "a source whose repoURL is not git (%s) deploys nothing from this repository",
    (repoURL) => {
      const app = `apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: web\nspec:\n  source:\n    repoURL: ${repoURL}\n    path: apps/web\n`;
      const literal = `apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: api\nspec:\n  source:\n    repoURL: ${REPO}\n    path: apps/api\n`;
      const { reported, app: summary } = scan(
        [
          { path: "argocd/web.yaml", content: app },
          { path: "argocd/api.yaml", content: literal },
          { path: "apps/web/job.yaml", content: job("web") },
          { path: "apps/api/job.yaml", content: job("api") },
        ],
        null,
      );

      expect(reported).toEqual(["apps/api/job.yaml:plain-job"]);
      expect(summary("web")?.notes.join("\n")).toContain("is not a git repository");
    },
  );
});

describe("Applications rendered from a chart in the repository", () => {
  const appsTemplate = `{{- range $name, $app := .Values.apps }}
---
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: {{ $name }}
  {{- with $app.annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  project: default
  source:
    repoURL: {{ $.Values.repoURL }}
    path: {{ $app.path | default (printf "charts/%s" $name) }}
    targetRevision: HEAD
  destination:
    server: https://kubernetes.default.svc
    namespace: {{ $name }}
{{- end }}
`;

  it("are read with the chart's values, so the charts they point at are checked", () => {
    const { reported, app } = scan([
      { path: "bootstrap/Chart.yaml", content: "apiVersion: v2\nname: bootstrap\nversion: 1.0.0\n" },
      {
        path: "bootstrap/values.yaml",
        content: `repoURL: ${REPO}\napps:\n  billing:\n    path: charts/billing\n  search: {}\n`,
      },
      { path: "bootstrap/templates/apps.yaml", content: appsTemplate },
      { path: "charts/billing/Chart.yaml", content: "apiVersion: v2\nname: billing\nversion: 1.0.0\n" },
      { path: "charts/billing/templates/migrate.yaml", content: job("billing-migrate") },
      { path: "charts/search/Chart.yaml", content: "apiVersion: v2\nname: search\nversion: 1.0.0\n" },
      { path: "charts/search/templates/reindex.yaml", content: job("search-reindex") },
      { path: "charts/unused/Chart.yaml", content: "apiVersion: v2\nname: unused\nversion: 1.0.0\n" },
      { path: "charts/unused/templates/job.yaml", content: job("unused") },
    ]);

    expect(reported).toEqual([
      "charts/billing/templates/migrate.yaml:plain-job",
      "charts/search/templates/reindex.yaml:plain-job",
    ]);
    expect(app("{{ $name }}")?.resolution).toBe("evaluated");
  });
});

describe("an app-of-apps chart whose Application passes Helm values in a block scalar", () => {
  // The block scalar opens with a template-only line: blanked, it is a YAML error ("more-indented leading empty
  // lines"); the file was skipped and the charts its Applications point at went unchecked.
  const template = `{{ range .Values.apps }}
{{- $namespace := .namespace | default $.Values.defaultNamespace }}
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: {{ .name }}
spec:
  source:
    repoURL: git@github.com:example/gitops.git
    path: "{{ .chartPath | default "charts/generic-app" }}"
    helm:
      values: |
        {{- toYaml (omit $.Values "apps") | nindent 8 }}
        appName: {{ .name }}
  destination:
    server: https://kubernetes.default.svc
    namespace: {{ $namespace }}
---
{{ end }}
`;

  it("is read, with the environments' values files, and the charts it points at are checked", () => {
    const chart = (dir: string) => ({
      path: `${dir}/Chart.yaml`,
      content: `apiVersion: v2\nname: x\nversion: 1.0.0\n`,
    });
    const { result, reported, app } = scan([
      chart("charts/app-config"),
      { path: "charts/app-config/values.yaml", content: "defaultNamespace: apps\napps: []\n" },
      {
        path: "charts/app-config/values-production.yaml",
        content: "apps:\n  - name: publisher\n  - name: assets\n    chartPath: charts/assets\n",
      },
      { path: "charts/app-config/templates/apps.yaml", content: template },
      chart("charts/generic-app"),
      { path: "charts/generic-app/templates/upload-job.yaml", content: job("upload") },
      chart("charts/assets"),
      { path: "charts/assets/templates/scan-job.yaml", content: job("scan") },
      chart("charts/unused"),
      { path: "charts/unused/templates/job.yaml", content: job("unused") },
    ]);

    expect(result.files.skipped).toEqual([]);
    expect(app("{{ .name }}")?.paths).toEqual(["charts/assets", "charts/generic-app"]);
    expect(reported).toEqual([
      "charts/assets/templates/scan-job.yaml:plain-job",
      "charts/generic-app/templates/upload-job.yaml:plain-job",
    ]);
  });
});

describe("template text outside a chart is YAML like any other", () => {
  it("an ApplicationSet whose templatePatch starts with {{- if …}} is read, so its paths are kept", () => {
    const appset = `apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: workloads
spec:
  goTemplate: true
  generators:
    - git:
        repoURL: ${REPO}
        revision: HEAD
        directories:
          - path: workloads/*
  template:
    metadata:
      name: '{{ .path.basename }}'
    spec:
      project: default
      source:
        repoURL: ${REPO}
        path: '{{ .path.path }}'
      destination:
        server: https://kubernetes.default.svc
  templatePatch: |
    {{- if .autoSync }}
    spec:
      syncPolicy:
        automated: {}
    {{- end }}
`;
    const { result, reported, app } = scan([
      { path: "argocd/workloads.yaml", content: appset },
      { path: "workloads/web/job.yaml", content: job("web") },
      { path: "tools/job.yaml", content: job("tool") },
    ]);

    expect(result.files.skipped).toEqual([]);
    expect(app("workloads")?.paths).toEqual(["workloads/web"]);
    expect(reported).toEqual(["workloads/web/job.yaml:plain-job"]);
  });
});

describe("repository URLs as Argo CD compares them", () => {
  const app = (repoURL: string) =>
    `apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: web\nspec:\n  source:\n    repoURL: ${repoURL}\n    path: apps/web\n`;
  const files = (repoURL: string) => [
    { path: "argocd/web.yaml", content: app(repoURL) },
    { path: "apps/web/job.yaml", content: job("web") },
    { path: "tools/job.yaml", content: job("tool") },
  ];

  it.each([
    "https://github.com/example-org/gitops-repo",
    "https://github.com/example-org/gitops-repo.git",
    "git@github.com:example-org/gitops-repo.git",
    "ssh://git@github.com/Example-Org/gitops-repo",
    "https://GitHub.com/EXAMPLE-ORG/gitops-repo/",
  ])("%s is the repository given as https://github.com/Example-Org/gitops-repo", (repoURL) => {
    const { reported } = scan(files(repoURL), "https://github.com/Example-Org/gitops-repo");

    expect(reported).toEqual(["apps/web/job.yaml:plain-job"]);
  });

  it("when no Application names this repository, the output says which repositories they name and how to say which this is", () => {
    const { result, reported } = scan(files("https://github.com/example-org/other-repo.git"), REPO);

    expect(result.assumedAllDeployed).toBe(true);
    expect(reported).toEqual(["apps/web/job.yaml:plain-job", "tools/job.yaml:plain-job"]);
    expect(result.notes.join("\n")).toContain(
      "The Applications here deploy from `https://github.com/example-org/other-repo.git`, which is not this repository",
    );
    expect(result.notes.join("\n")).toContain("--repo-url https://github.com/example-org/other-repo.git");
  });
});

describe("sync options of an ApplicationSet with a templated path reach its Jobs", () => {
  it("Replace=true in the ApplicationSet's template: replace-without-force, not the weaker plain-job", () => {
    const appset = applicationSet(
      "workers",
      `    - list:\n        elements:\n          - name: ingest\n          - name: export`,
      `        repoURL: ${REPO}\n        path: 'workers/{{name}}'`,
    ).replace(
      "      destination:",
      "      syncPolicy:\n        syncOptions:\n          - Replace=true\n      destination:",
    );
    const { reported } = scan([
      { path: "argocd/workers.yaml", content: appset },
      { path: "workers/ingest/job.yaml", content: job("ingest") },
      { path: "workers/export/job.yaml", content: job("export") },
    ]);

    expect(reported).toEqual([
      "workers/export/job.yaml:replace-without-force",
      "workers/ingest/job.yaml:replace-without-force",
    ]);
  });
});

describe("generators that would produce too many parameter sets", () => {
  it("a matrix of two long lists is cut at the limit, and the note says only the first renderings were evaluated", () => {
    const elements = (key: string) =>
      Array.from({ length: 800 }, (_, i) => `                - ${key}: v${i}`).join("\n");
    const appset = applicationSet(
      "big",
      `    - matrix:\n        generators:\n          - list:\n              elements:\n${elements("a")}\n          - list:\n              elements:\n${elements("b")}`,
      `        repoURL: ${REPO}\n        path: 'apps/{{a}}/{{b}}'`,
    );
    const { app } = scan([
      { path: "argocd/big.yaml", content: appset },
      { path: "apps/v0/v0/job.yaml", content: job("first") },
    ]);

    expect(app("big")?.paths).toEqual(["apps/v0/v0"]);
    expect(app("big")?.notes.join("\n")).toContain("only the first renderings were evaluated");
  });
});
