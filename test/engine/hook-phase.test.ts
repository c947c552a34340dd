import { describe, expect, it } from "@jest/globals";
import { RULES } from "../../src/rules/index.js";
import { scanRepository } from "../../src/engine/scan.js";

/** The hook phase of the strategy fix: PreSync only on strong evidence, Sync when the Job needs its own app's objects. */
function fixOf(manifest: string, others: { path: string; content: string }[] = []) {
  const result = scanRepository({
    rules: RULES,
    files: [{ path: "app/job.yaml", content: manifest }, ...others],
  });
  const finding = result.findings.find((f) => f.rule === "plain-job");
  return finding?.fix?.description ?? "";
}

function job(name: string, container: string, podSpec = ""): string {
  return `apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: ${name}\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n${podSpec}      containers:\n${container}`;
}

describe("the hook phase the fix chooses, and says why", () => {
  it.each([
    [
      "a migration tool's image",
      job("ledger", "        - name: db\n          image: flyway/flyway:10\n          args: [migrate]\n"),
      'the image "flyway/flyway:10"',
    ],
    [
      "a migration tool's command",
      job(
        "orders",
        '        - name: db\n          image: orders:1\n          command: ["python", "manage.py", "migrate", "--noinput"]\n',
      ),
      "the command",
    ],
    [
      "a name like *-migrate",
      job("orders-db-migrate", "        - name: db\n          image: orders:1\n"),
      'its name "orders-db-migrate"',
    ],
  ])("PreSync on %s", (_what, manifest, evidence) => {
    const description = fixOf(manifest);

    expect(description).toContain("Make the Job a PreSync hook");
    expect(description).toContain(`PreSync, because ${evidence}`);
  });

  it("never PreSync from free text in a script: a SQL comment saying 'migrates' is prose", () => {
    const script =
      "        - name: seed\n          image: postgres:16\n          command:\n            - sh\n            - -c\n            - |\n              psql <<'SQL'\n              -- the controller migrates these tables\n              INSERT INTO t VALUES (1);\n              SQL\n";

    expect(fixOf(job("seed", script))).toContain("Make the Job a Sync hook");
  });

  it("but a migration command inside a script is a command", () => {
    const script =
      "        - name: db\n          image: api:1\n          command: [sh, -c, 'cd /app && bundle exec rake db:migrate']\n";

    expect(fixOf(job("release-tasks", script))).toContain("Make the Job a PreSync hook");
  });

  it("Sync when the migration reads a Secret its own Application creates, and the wave it has is kept", () => {
    const manifest = job(
      "api-migrate",
      "        - name: db\n          image: api:1\n          envFrom:\n            - secretRef:\n                name: api-db\n",
    ).replace(
      "  name: api-migrate\n",
      '  name: api-migrate\n  annotations:\n    argocd.argoproj.io/sync-wave: "-1"\n',
    );
    const secret = {
      path: "app/secret.yaml",
      content: "apiVersion: v1\nkind: Secret\nmetadata:\n  name: api-db\n",
    };

    const description = fixOf(manifest, [secret]);

    expect(description).toContain("Make the Job a Sync hook");
    expect(description).toContain('it needs the Secret "api-db" that its own Application creates');
    expect(description).toContain("Its sync-wave -1 is kept");
  });

  it("a PreSync hook Secret is there before a PreSync Job: the Job may stay PreSync", () => {
    const manifest = job(
      "api-migrate",
      "        - name: db\n          image: api:1\n          envFrom:\n            - secretRef:\n                name: api-db\n",
    );
    const secret = {
      path: "app/secret.yaml",
      content:
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: api-db\n  annotations:\n    argocd.argoproj.io/hook: PreSync\n",
    };

    expect(fixOf(manifest, [secret])).toContain("Make the Job a PreSync hook");
  });

  it("a PersistentVolumeClaim in a file another Application deploys is not the Job's own", () => {
    const app = (name: string, path: string) =>
      `apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: ${name}\nspec:\n  source:\n    repoURL: https://github.com/example/gitops.git\n    path: ${path}\n`;
    const manifest = job(
      "wiki-migrate",
      "        - name: db\n          image: wiki:1\n",
      "      volumes:\n        - name: data\n          persistentVolumeClaim:\n            claimName: shared-data\n",
    );
    const others = [
      { path: "argocd/wiki.yaml", content: app("wiki", "app") },
      { path: "argocd/storage.yaml", content: app("storage", "storage") },
      {
        path: "storage/pvc.yaml",
        content: "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: shared-data\n",
      },
    ];

    expect(fixOf(manifest, others)).toContain("Make the Job a PreSync hook");
  });
});
