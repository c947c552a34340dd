import { Ajv, type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

/** The parts of GitHub's OpenAPI description (3.0) that routing and body validation read. */
interface OpenApiOperation {
  operationId: string;
  requestBody?: { required?: boolean; content?: Record<string, { schema?: unknown }> };
}
interface OpenApiDocument {
  paths: Record<string, Record<string, OpenApiOperation>>;
  components: { schemas: Record<string, unknown> };
}

export interface Operation {
  method: string;
  /** The path as GitHub's description writes it, e.g. `/repos/{owner}/{repo}/git/trees`. */
  template: string;
  operationId: string;
  params: Record<string, string>;
}

/** Parameters whose value may hold slashes (a file path, a ref, `base...head`): they take the rest of the URL. */
const GREEDY = new Set(["path", "ref", "basehead"]);

interface Route {
  method: string;
  template: string;
  pattern: RegExp;
  names: string[];
  literals: number;
  operation: OpenApiOperation;
}

let cached: { routes: Route[]; document: OpenApiDocument } | null = null;

/** Loads GitHub's published description once per process (13 MB of JSON, about a third of a second). */
function load(): { routes: Route[]; document: OpenApiDocument } {
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  const file = require.resolve("@octokit/openapi/generated/api.github.com.json");
  const document = JSON.parse(readFileSync(file, "utf8")) as OpenApiDocument;
  const routes: Route[] = [];
  for (const [template, methods] of Object.entries(document.paths)) {
    const names: string[] = [];
    const segments = template.split("/").slice(1);
    const source = segments
      .map((segment, i) => {
        const param = /^\{(\w+)\}$/.exec(segment);
        if (!param?.[1]) return segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
        names.push(param[1]);
        return GREEDY.has(param[1]) && i === segments.length - 1 ? "(.+)" : "([^/]+)";
      })
      .join("/");
    const literals = segments.filter((s) => !s.startsWith("{")).length;
    for (const [method, operation] of Object.entries(methods)) {
      if (!operation || typeof operation !== "object" || !("operationId" in operation)) continue;
      routes.push({
        method: method.toUpperCase(),
        template,
        pattern: new RegExp(`^/${source}$`),
        names,
        literals,
        operation,
      });
    }
  }
  // A literal segment beats a parameter: `/pulls/comments/{id}` before `/pulls/{pull_number}`.
  routes.sort((a, b) => b.literals - a.literals);
  cached = { routes, document };
  return cached;
}

/** The operation of GitHub's REST API a request is, or null when GitHub has no such route. */
export function findOperation(method: string, pathname: string): Operation | null {
  for (const route of load().routes) {
    if (route.method !== method) continue;
    const match = route.pattern.exec(pathname);
    if (!match) continue;
    const params: Record<string, string> = {};
    route.names.forEach((name, i) => (params[name] = decodeURIComponent(match[i + 1] ?? "")));
    return { method, template: route.template, operationId: route.operation.operationId, params };
  }
  return null;
}

const validators = new Map<string, ValidateFunction | null>();
let ajv: Ajv | null = null;

function validatorFor(operation: Operation): ValidateFunction | null {
  const key = `${operation.method} ${operation.template}`;
  if (validators.has(key)) return validators.get(key) ?? null;
  const { document, routes } = load();
  const route = routes.find((r) => r.method === operation.method && r.template === operation.template);
  const schema = route?.operation.requestBody?.content?.["application/json"]?.schema;
  let validate: ValidateFunction | null = null;
  if (schema) {
    if (!ajv) {
      // OpenAPI 3.0 keywords (nullable, example, x-github...) are not JSON Schema: strict mode would refuse them.
      ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
      addFormats.default(ajv);
      // GitHub's own format: an `owner/name`.
      ajv.addFormat("repo.nwo", /^[\w.-]+\/[\w.-]+$/);
      ajv.addSchema({ $id: "github", components: document.components }, "github");
    }
    validate = ajv.compile(
      JSON.parse(JSON.stringify(schema).replaceAll('"$ref":"#/', '"$ref":"github#/')) as object,
    );
  }
  validators.set(key, validate);
  return validate;
}

/**
 * Checks a request body against the operation's schema in GitHub's description: the errors, in GitHub's words
 * where it has some ("Invalid request."), or an empty list. A body-less operation takes any (empty) body.
 */
export function bodyErrors(operation: Operation, body: unknown): string[] {
  const validate = validatorFor(operation);
  if (!validate) return [];
  if (validate(body)) return [];
  return (validate.errors ?? []).map(
    (error) =>
      `${error.instancePath || "body"} ${error.message ?? "is invalid"}${error.params && "allowedValues" in error.params ? ` (${(error.params.allowedValues as unknown[]).join(", ")})` : ""}`,
  );
}
