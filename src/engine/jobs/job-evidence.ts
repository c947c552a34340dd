/**
 * What a Job's own manifest says about it, for choosing its hook phase: whether it is a schema migration (strong
 * evidence only: the Job's or a container's name, a migration tool's image, a migration tool's command; never a word
 * in the free text of a script, such as a SQL comment), and which objects it needs to exist before it can start.
 * Words are compared as tokens, never with a backtracking pattern over the manifest's text.
 */
import { isRecord } from "../manifests/parse-manifests.js";

/** Name tokens that say "migration": `db-migrate`, `schema_migrations`, `app-migrator`. */
const MIGRATION_WORDS = new Set([
  "migrate",
  "migration",
  "migrations",
  "migrator",
  "dbmigrate",
  "dbmigration",
]);

/** Migration tools, by the program or image name, with the subcommands that run migrations (empty: any use). */
const MIGRATION_TOOLS: ReadonlyMap<string, readonly string[]> = new Map([
  ["flyway", ["migrate"]],
  ["liquibase", ["update", "update-sql", "updatesql"]],
  ["alembic", ["upgrade"]],
  ["goose", ["up", "up-by-one", "up-to"]],
  ["dbmate", ["up", "migrate"]],
  ["atlas", ["migrate"]],
  ["sqitch", ["deploy"]],
  ["migrate", ["up", "goto"]],
  ["golang-migrate", []],
  ["manage.py", ["migrate"]],
  ["prisma", ["migrate"]],
  ["knex", ["migrate:latest", "migrate:up", "migrate"]],
  ["sequelize", ["db:migrate"]],
  ["sequelize-cli", ["db:migrate"]],
  ["rake", ["db:migrate"]],
  ["rails", ["db:migrate"]],
]);

/** Programs that run another one (`exec flyway …`, `python manage.py …`, `bundle exec rake …`). */
const LAUNCHERS = new Set([
  "exec",
  "env",
  "python",
  "python3",
  "node",
  "npx",
  "bundle",
  "poetry",
  "uv",
  "run",
  "time",
]);
const SHELLS = new Set(["sh", "bash", "ash", "dash", "zsh"]);

type Container = Record<string, unknown>;

/**
 * Why the Job is taken for a schema migration, or null when its manifest gives no strong evidence.
 * @example migrationEvidence(job with image "flyway/flyway:10" and args ["migrate"]) === 'the image "flyway/flyway:10"'
 */
export function migrationEvidence(name: string | null, spec: Record<string, unknown>): string | null {
  if (name !== null && hasMigrationWord(name)) return `its name "${name}"`;
  for (const container of containers(spec)) {
    const containerName = typeof container.name === "string" ? container.name : "";
    if (hasMigrationWord(containerName)) return `the container name "${containerName}"`;
    const image = typeof container.image === "string" ? container.image : "";
    const imageName = imageBaseName(image);
    if (hasMigrationWord(imageName) || MIGRATION_TOOLS.has(imageName)) return `the image "${image}"`;
    for (const statement of statements(container)) {
      if (isMigrationStatement(statement)) return `the command "${statement.join(" ")}"`;
    }
  }
  return null;
}

function hasMigrationWord(text: string): boolean {
  return text
    .toLowerCase()
    .split(/[-_.]/)
    .some((token) => MIGRATION_WORDS.has(token));
}

/** `registry.example.com/team/flyway:10@sha256:…` → `flyway`. */
function imageBaseName(image: string): string {
  const withoutDigest = image.split("@")[0] ?? "";
  const last = withoutDigest.slice(withoutDigest.lastIndexOf("/") + 1);
  return (last.split(":")[0] ?? "").toLowerCase();
}

function containers(spec: Record<string, unknown>): Container[] {
  const template = isRecord(spec.template) ? spec.template : {};
  const podSpec = isRecord(template.spec) ? template.spec : {};
  return ["initContainers", "containers"].flatMap((key) => {
    const list = podSpec[key];
    return Array.isArray(list) ? list.filter(isRecord) : [];
  });
}

function stringsOf(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : [];
}

/**
 * The commands a container runs, each as words: its command and args, or, for `sh -c SCRIPT`, each statement of
 * the script with comment lines (`#`, `--`) left out: a comment is prose, not a command.
 */
function statements(container: Container): string[][] {
  const command = stringsOf(container.command);
  const args = stringsOf(container.args);
  const all = [...command, ...args];
  const program = basename(all[0] ?? "");
  const scriptAt = all.findIndex((word) => word === "-c" || word === "-ec" || word === "-ce");
  if (SHELLS.has(program) && scriptAt !== -1) return scriptStatements(all[scriptAt + 1] ?? "");
  if (command.length === 0 && args.length > 0) {
    // The image's entrypoint runs the args: `image: flyway`, `args: [migrate]`.
    const image = imageBaseName(typeof container.image === "string" ? container.image : "");
    return [[image, ...args.flatMap(words)]];
  }
  return all.length > 0 ? [all.flatMap(words)] : [];
}

function scriptStatements(script: string): string[][] {
  const result: string[][] = [];
  for (const line of script.split("\n")) {
    const trimmed = line.trim();
    if (trimmed.startsWith("#") || trimmed.startsWith("--")) continue;
    for (const part of trimmed.split(/&&|\|\||;|\|/)) {
      const statement = words(part);
      if (statement.length > 0) result.push(statement);
    }
  }
  return result;
}

function words(text: string): string[] {
  return text
    .split(/\s+/)
    .map((word) => word.replace(/^["']+|["']+$/g, ""))
    .filter((word) => word !== "");
}

function basename(word: string): string {
  return word.slice(word.lastIndexOf("/") + 1).toLowerCase();
}

/** A statement whose program (after launchers and `VAR=value`) is a migration tool running a migration. */
function isMigrationStatement(statement: readonly string[]): boolean {
  let index = 0;
  while (index < statement.length) {
    const word = basename(statement[index] ?? "");
    if (LAUNCHERS.has(word) || word.includes("=") || word.startsWith("-")) index++;
    else break;
  }
  const program = basename(statement[index] ?? "");
  if (program === "") return false;
  const rest = statement.slice(index + 1).map((word) => word.toLowerCase());
  // `./migrate.sh`, `/app/bin/db-migrate`
  if (hasMigrationWord(program.replace(/\.(sh|py|js|rb)$/, ""))) return true;
  const subcommands = MIGRATION_TOOLS.get(program);
  if (subcommands === undefined) {
    // `npm run migrate`, `yarn migrate`, `make migrate`
    return ["npm", "yarn", "pnpm", "make"].includes(program) && rest.some((word) => hasMigrationWord(word));
  }
  return subcommands.length === 0 || rest.some((word) => subcommands.includes(word));
}

/**
 * The objects a Job cannot start without, as `Kind/name`: the PersistentVolumeClaims, Secrets and ConfigMaps its pod
 * mounts or reads (optional references left out), and its ServiceAccount.
 */
export function jobDependencies(spec: Record<string, unknown>): string[] {
  const template = isRecord(spec.template) ? spec.template : {};
  const podSpec = isRecord(template.spec) ? template.spec : {};
  const needs = new Set<string>();
  const add = (kind: string, name: unknown, optional: unknown = false) => {
    if (typeof name === "string" && name !== "" && optional !== true) needs.add(`${kind}/${name}`);
  };
  add("ServiceAccount", podSpec.serviceAccountName);
  const volumes = Array.isArray(podSpec.volumes) ? podSpec.volumes.filter(isRecord) : [];
  for (const volume of volumes) {
    if (isRecord(volume.persistentVolumeClaim))
      add("PersistentVolumeClaim", volume.persistentVolumeClaim.claimName);
    if (isRecord(volume.secret)) add("Secret", volume.secret.secretName, volume.secret.optional);
    if (isRecord(volume.configMap)) add("ConfigMap", volume.configMap.name, volume.configMap.optional);
    const sources =
      isRecord(volume.projected) && Array.isArray(volume.projected.sources) ? volume.projected.sources : [];
    for (const source of sources.filter(isRecord)) {
      if (isRecord(source.secret)) add("Secret", source.secret.name, source.secret.optional);
      if (isRecord(source.configMap)) add("ConfigMap", source.configMap.name, source.configMap.optional);
    }
  }
  for (const container of containers(spec)) {
    const envFrom = Array.isArray(container.envFrom) ? container.envFrom.filter(isRecord) : [];
    for (const source of envFrom) {
      if (isRecord(source.secretRef)) add("Secret", source.secretRef.name, source.secretRef.optional);
      if (isRecord(source.configMapRef))
        add("ConfigMap", source.configMapRef.name, source.configMapRef.optional);
    }
    const env = Array.isArray(container.env) ? container.env.filter(isRecord) : [];
    for (const variable of env) {
      const from = isRecord(variable.valueFrom) ? variable.valueFrom : {};
      if (isRecord(from.secretKeyRef)) add("Secret", from.secretKeyRef.name, from.secretKeyRef.optional);
      if (isRecord(from.configMapKeyRef))
        add("ConfigMap", from.configMapKeyRef.name, from.configMapKeyRef.optional);
    }
  }
  return [...needs].sort();
}
