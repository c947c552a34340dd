import { createHmac, createPublicKey, randomBytes, randomUUID, verify, type KeyObject } from "node:crypto";
import { EventEmitter } from "node:events";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BareRepository, GitError, type DiffFile } from "./git.js";
import { bodyErrors, findOperation, type Operation } from "./openapi.js";

export interface LocalGitHubOptions {
  /** The app this GitHub knows: its id, and its private key (PEM), whose public half checks the app's JWTs. */
  app: { id: number; slug: string; privateKey: string };
  /** Where the bare repositories live; a temporary directory (removed on close) by default. */
  root?: string;
  /** Where webhooks go, signed with the secret, when `deliver` is called. */
  webhook?: { url: string; secret: string };
  /** The base of `html_url`s: repositories' URLs in the manifests (Applications' repoURL) are written against it. */
  htmlBase?: string;
  port?: number;
}

/** An injected failure: the next `times` requests that `when` matches are answered with it instead. */
export interface Fault {
  status: number;
  times: number;
  when?: (request: { method: string; path: string }) => boolean;
  headers?: Record<string, string>;
  body?: unknown;
}

export interface RecordedRequest {
  method: string;
  path: string;
  operationId: string | null;
  status: number;
  body: unknown;
}

interface User {
  login: string;
  id: number;
  type: "User" | "Bot";
}

export interface CheckRun {
  id: number;
  name: string;
  head_sha: string;
  status: string;
  conclusion: string | null;
  output: { title: string | null; summary: string | null; text: string | null; annotations_count: number };
  annotations: Record<string, unknown>[];
  actions: { label: string; description: string; identifier: string }[];
  app: { id: number; slug: string };
  started_at: string;
  completed_at: string | null;
  /** Every PATCH's body, in order: tests read what was sent, not only where it ended. */
  updates: Record<string, unknown>[];
}

export interface PullRequest {
  number: number;
  state: "open" | "closed";
  title: string;
  body: string | null;
  head: string;
  base: string;
  user: User;
  maintainer_can_modify: boolean;
  draft: boolean;
  merged: boolean;
  created_at: string;
  updated_at: string;
}

export interface IssueComment {
  id: number;
  issue_number: number;
  body: string;
  user: User;
  created_at: string;
  updated_at: string;
}

export interface ReviewComment {
  id: number;
  pull_number: number;
  pull_request_review_id: number | null;
  path: string;
  line: number | null;
  start_line: number | null;
  side: string;
  start_side: string | null;
  commit_id: string;
  body: string;
  in_reply_to_id?: number;
  user: User;
  created_at: string;
  updated_at: string;
}

export interface Review {
  id: number;
  pull_number: number;
  state: string;
  body: string;
  commit_id: string;
  user: User;
  submitted_at: string;
}

export interface Reaction {
  id: number;
  subject: string;
  content: string;
  user: User;
}

export interface Repository {
  id: number;
  owner: string;
  name: string;
  defaultBranch: string;
  git: BareRepository;
  permissions: Map<string, string>;
  checkRuns: CheckRun[];
  pulls: PullRequest[];
  issueComments: IssueComment[];
  reviewComments: ReviewComment[];
  reviews: Review[];
  reactions: Reaction[];
  nextNumber: number;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errors?: unknown[],
  ) {
    super(message);
  }
}

const now = () => new Date().toISOString();

/** What the app asks for in app.yml: every installation token grants it. */
export const INSTALLATION_PERMISSIONS = {
  checks: "write",
  contents: "write",
  pull_requests: "write",
  issues: "write",
  metadata: "read",
} as const;

/**
 * GitHub's REST API for an app's installation, on loopback, over real git repositories on disk: the endpoints the
 * app calls (and the ones a review flow calls), each request's route and body checked against GitHub's published
 * OpenAPI description, installation tokens issued only for a JWT signed by the app's key. GraphQL is not
 * available, as on a GitHub Enterprise Server without it. For tests, the demo and the benchmark; never shipped.
 */
export class LocalGitHub extends EventEmitter {
  readonly requests: RecordedRequest[] = [];
  /** Calls GitHub would refuse (unknown route, invalid body, bad credentials): a test expects none. */
  readonly violations: string[] = [];
  private readonly repositories = new Map<string, Repository>();
  private readonly tokens = new Map<string, { installationId: number; expires: number }>();
  private readonly faults: Fault[] = [];
  private readonly publicKey: KeyObject;
  private readonly ownsRoot: boolean;
  private readonly root: string;
  readonly htmlBase: string;
  private readonly appUser: User;
  private server: Server;
  private nextId = 1000;
  port = 0;

  private constructor(private readonly options: LocalGitHubOptions) {
    super();
    this.setMaxListeners(100);
    this.publicKey = createPublicKey(options.app.privateKey);
    this.ownsRoot = options.root === undefined;
    this.root = options.root ?? mkdtempSync(join(tmpdir(), "local-github-"));
    this.htmlBase = options.htmlBase ?? "https://github.com";
    this.appUser = { login: `${options.app.slug}[bot]`, id: 900000 + options.app.id, type: "Bot" };
    this.server = this.createHttpServer();
  }

  static async start(options: LocalGitHubOptions): Promise<LocalGitHub> {
    const github = new LocalGitHub(options);
    await github.listen(options.port ?? 0);
    return github;
  }

  get app(): { id: number; slug: string } {
    return { id: this.options.app.id, slug: this.options.app.slug };
  }

  /** `GHE_HOST` for the app: Probot then calls `http://<host>/api/v3` (with `GHE_PROTOCOL=http`). */
  get host(): string {
    return `127.0.0.1:${this.port}`;
  }

  get apiUrl(): string {
    return `http://${this.host}/api/v3`;
  }

  private createHttpServer(): Server {
    return createServer((request, response) => {
      void this.handle(request, response);
    });
  }

  private listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      // Loopback only: nothing outside this machine reaches it.
      this.server.listen(port, "127.0.0.1", () => {
        this.port = (this.server.address() as AddressInfo).port;
        resolve();
      });
    });
  }

  /** Stops answering (connections refused) until `resume`: GitHub unreachable. */
  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  async resume(): Promise<void> {
    this.server = this.createHttpServer();
    await this.listen(this.port);
  }

  async close(): Promise<void> {
    if (this.server.listening) await this.stop();
    if (this.ownsRoot) rmSync(this.root, { recursive: true, force: true });
  }

  requestCount(): number {
    return this.requests.length;
  }

  requestsSince(index: number): RecordedRequest[] {
    return this.requests.slice(index);
  }

  /** Answers the next matching requests with a failure (a 500, a 403 with `retry-after`...). */
  fail(fault: Fault): void {
    this.faults.push({ ...fault });
  }

  /** Resolves once `predicate` holds (checked now and after each request), or rejects after `timeoutMs`. */
  waitFor<T>(
    predicate: () => T | undefined | null | false,
    timeoutMs = 30_000,
    what = "condition",
  ): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const value = predicate();
        if (!value) return;
        clearTimeout(timer);
        this.off("change", check);
        resolve(value);
      };
      const timer = setTimeout(() => {
        this.off("change", check);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      this.on("change", check);
      check();
    });
  }

  // ---- Repositories --------------------------------------------------------------------------------------------

  /** A repository whose default branch holds one commit of the files under `from` (a directory). */
  async createRepository(
    fullName: string,
    options: { from: string; defaultBranch?: string; permissions?: Record<string, string> },
  ): Promise<Repository> {
    const [owner = "", name = ""] = fullName.split("/");
    const dir = join(this.root, owner, `${name}.git`);
    mkdirSync(dir, { recursive: true });
    const git = new BareRepository(dir);
    const defaultBranch = options.defaultBranch ?? "main";
    await git.run(["init", "--bare", "--quiet", `--initial-branch=${defaultBranch}`]);
    const scratch = mkdtempSync(join(tmpdir(), "local-github-import-"));
    try {
      const env = { GIT_INDEX_FILE: join(scratch, "index"), GIT_WORK_TREE: options.from };
      await git.run(["add", "--all", "--force", "."], { env });
      const tree = await git.text(["write-tree"], { env });
      const commit = await git.writeCommit(tree, [], "Initial commit\n", {
        name: owner,
        email: `${owner}@localhost`,
      });
      await git.updateRef(`refs/heads/${defaultBranch}`, commit, null);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
    const repository: Repository = {
      id: this.nextId++,
      owner,
      name,
      defaultBranch,
      git,
      permissions: new Map([[owner, "admin"], ...Object.entries(options.permissions ?? {})]),
      checkRuns: [],
      pulls: [],
      issueComments: [],
      reviewComments: [],
      reviews: [],
      reactions: [],
      nextNumber: 1,
    };
    this.repositories.set(`${owner}/${name}`.toLowerCase(), repository);
    return repository;
  }

  repository(fullName: string): Repository {
    const repository = this.repositories.get(fullName.toLowerCase());
    if (!repository) throw new Error(`no repository ${fullName}`);
    return repository;
  }

  /**
   * A commit on `branch` (created from the default branch when missing) that writes the given files (null deletes
   * one), as a person's push would: returns the branch's head before and after.
   */
  async commit(
    fullName: string,
    branch: string,
    files: Record<string, string | null>,
    message: string,
    author = { name: "Alice", email: "alice@localhost" },
  ): Promise<{ before: string; after: string }> {
    const { git, defaultBranch } = this.repository(fullName);
    const current = await git.refSha(`refs/heads/${branch}`);
    const parent = current ?? (await git.refSha(`refs/heads/${defaultBranch}`));
    if (!parent) throw new Error(`${fullName} has no branch ${defaultBranch}`);
    const entries = [];
    for (const [path, text] of Object.entries(files)) {
      entries.push({
        path,
        mode: "100644",
        sha: text === null ? null : await git.writeBlob(Buffer.from(text)),
      });
    }
    const tree = await git.writeTree((await git.commit(parent)).tree, entries);
    const after = await git.writeCommit(tree, [parent], `${message}\n`, author);
    await git.updateRef(`refs/heads/${branch}`, after, current);
    this.emit("change");
    return { before: current ?? "0".repeat(40), after };
  }

  /** The text of a file at a ref, or null. */
  async fileAt(fullName: string, ref: string, path: string): Promise<string | null> {
    const { git } = this.repository(fullName);
    const commit = await git.resolve(ref);
    const object = commit ? await git.pathObject(commit, path) : null;
    return object?.type === "blob" ? (await git.blob(object.sha)).toString("utf8") : null;
  }

  // ---- Webhooks ------------------------------------------------------------------------------------------------

  /** Where `deliver` posts: an app's webhook URL, and the secret it checks signatures with. */
  setWebhook(webhook: { url: string; secret: string }): void {
    this.options.webhook = webhook;
  }

  /**
   * Posts one signed delivery to the app, as GitHub does (to `url` when given: one replica of several); resolves
   * with the app's answer.
   */
  async deliver(
    event: string,
    payload: Record<string, unknown>,
    options: { delivery?: string; url?: string } = {},
  ): Promise<{ status: number; body: string; delivery: string }> {
    const target = this.options.webhook;
    if (!target) throw new Error("no webhook URL configured");
    const delivery = options.delivery ?? randomUUID();
    const body = JSON.stringify(payload);
    const response = await fetch(options.url ?? target.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "user-agent": "GitHub-Hookshot/local",
        "x-github-event": event,
        "x-github-delivery": delivery,
        "x-hub-signature-256": `sha256=${createHmac("sha256", target.secret).update(body).digest("hex")}`,
      },
      body,
    });
    return { status: response.status, body: await response.text(), delivery };
  }

  repositoryPayload(fullName: string): Record<string, unknown> {
    const repository = this.repository(fullName);
    return this.repositoryJson(repository);
  }

  /** A `push` event's payload for a branch moved from `before` to `after`, its commits listed as GitHub lists them. */
  async pushPayload(
    fullName: string,
    push: { branch: string; before: string; after: string; sender?: string },
  ): Promise<Record<string, unknown>> {
    const { git } = this.repository(fullName);
    const created = /^0+$/.test(push.before);
    const shas = created ? [push.after] : await git.commitsBetween(push.before, push.after);
    const commits = [];
    for (const sha of shas) {
      const { parents, message } = await git.commit(sha);
      const files = parents[0] ? await git.diffFiles(parents[0], sha) : [];
      commits.push({
        id: sha,
        message: message.trim(),
        added: files.filter((f) => f.status === "added").map((f) => f.filename),
        modified: files.filter((f) => f.status === "modified").map((f) => f.filename),
        removed: files.filter((f) => f.status === "removed").map((f) => f.filename),
      });
    }
    return {
      ref: `refs/heads/${push.branch}`,
      before: push.before,
      after: push.after,
      created,
      deleted: false,
      forced: false,
      commits,
      head_commit: commits.at(-1) ?? null,
      repository: this.repositoryPayload(fullName),
      sender: this.userJson({ login: push.sender ?? "alice", id: 1, type: "User" }),
      installation: { id: 1 },
    };
  }

  /** A `check_run` event (`requested_action` with the button's identifier, or `rerequested`) for a stored run. */
  checkRunPayload(
    fullName: string,
    checkRunId: number,
    action:
      | { action: "requested_action"; identifier: string; sender: string; branch: string }
      | { action: "rerequested"; sender: string; branch: string },
  ): Record<string, unknown> {
    const repository = this.repository(fullName);
    const run = repository.checkRuns.find((r) => r.id === checkRunId);
    if (!run) throw new Error(`no check run ${checkRunId}`);
    return {
      action: action.action,
      check_run: {
        ...this.checkRunJson(repository, run),
        check_suite: { id: run.id, head_branch: action.branch, head_sha: run.head_sha, before: null },
      },
      ...(action.action === "requested_action"
        ? { requested_action: { identifier: action.identifier } }
        : {}),
      repository: this.repositoryJson(repository),
      sender: this.userJson({ login: action.sender, id: 1, type: "User" }),
      installation: { id: 1 },
    };
  }

  /** A `pull_request` event for a stored pull request. */
  async pullRequestPayload(
    fullName: string,
    number: number,
    action: string,
    sender = "alice",
  ): Promise<Record<string, unknown>> {
    const repository = this.repository(fullName);
    const pull = repository.pulls.find((p) => p.number === number);
    if (!pull) throw new Error(`no pull request #${number}`);
    return {
      action,
      number,
      pull_request: await this.pullJson(repository, pull),
      repository: this.repositoryJson(repository),
      sender: this.userJson({ login: sender, id: 1, type: "User" }),
      installation: { id: 1 },
    };
  }

  /** Opens a pull request as a person would (from the web UI). */
  openPullRequest(
    fullName: string,
    pull: { head: string; base: string; title: string; body?: string; user?: string },
  ): PullRequest {
    const repository = this.repository(fullName);
    const created: PullRequest = {
      number: repository.nextNumber++,
      state: "open",
      title: pull.title,
      body: pull.body ?? null,
      head: pull.head,
      base: pull.base,
      user: { login: pull.user ?? "alice", id: 1, type: "User" },
      maintainer_can_modify: false,
      draft: false,
      merged: false,
      created_at: now(),
      updated_at: now(),
    };
    repository.pulls.push(created);
    this.emit("change");
    return created;
  }

  // ---- HTTP ----------------------------------------------------------------------------------------------------

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? "/", `http://${this.host}`);
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString("utf8");
    let body: unknown = undefined;
    const record = (status: number, operationId: string | null) => {
      this.requests.push({
        method: request.method ?? "GET",
        path: url.pathname + url.search,
        operationId,
        status,
        body,
      });
      this.emit("change");
    };
    const send = (status: number, data: unknown, headers: Record<string, string | number> = {}) => {
      if (!response.headersSent) {
        response.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers });
        response.end(data === undefined ? "" : JSON.stringify(data));
      }
    };
    let operation: Operation | null = null;
    try {
      if (raw !== "") {
        try {
          body = JSON.parse(raw);
        } catch {
          throw new HttpError(400, "Problems parsing JSON");
        }
      }
      const method = request.method ?? "GET";
      const fault = this.faults.find(
        (f) => f.times > 0 && (!f.when || f.when({ method, path: url.pathname })),
      );
      if (fault) {
        fault.times--;
        send(fault.status, fault.body ?? { message: `injected ${fault.status}` }, fault.headers);
        record(fault.status, null);
        return;
      }
      if (url.pathname === "/api/graphql") {
        throw new HttpError(404, "GraphQL is not available on this server");
      }
      if (url.pathname.startsWith("/_codeload/")) {
        const status = await this.codeload(url.pathname, response);
        record(status, "codeload");
        return;
      }
      const pathname = url.pathname.replace(/^\/api\/v3(?=\/)/, "");
      operation = findOperation(method, pathname);
      if (!operation) {
        this.violations.push(`${method} ${pathname}: no such route in GitHub's REST API`);
        throw new HttpError(404, "Not Found");
      }
      const errors = body === undefined ? [] : bodyErrors(operation, body);
      if (errors.length > 0) {
        this.violations.push(`${operation.operationId}: ${errors.join("; ")}`);
        throw new HttpError(422, `Invalid request.\n\n${errors.join("\n")}`);
      }
      const result = await this.route(operation, url, body, request);
      if (result.raw) {
        response.writeHead(result.status, {
          "content-type": "application/vnd.github.raw",
          "content-length": result.raw.length,
        });
        response.end(result.raw);
      } else send(result.status, result.data, result.headers);
      record(result.status, operation.operationId);
    } catch (error) {
      const status = error instanceof HttpError ? error.status : 500;
      const message = error instanceof Error ? error.message : String(error);
      if (!(error instanceof HttpError))
        this.violations.push(`${operation?.operationId ?? url.pathname}: ${message}`);
      send(status, {
        message,
        ...(error instanceof HttpError && error.errors ? { errors: error.errors } : {}),
        documentation_url: "https://docs.github.com/rest",
        status: String(status),
      });
      record(status, operation?.operationId ?? null);
    }
  }

  private authenticate(request: IncomingMessage, operation: Operation): { installationId: number | null } {
    const header = request.headers.authorization ?? "";
    const [scheme = "", credential = ""] = header.split(" ");
    if (operation.template.startsWith("/app/")) {
      if (scheme.toLowerCase() !== "bearer" || !this.validJwt(credential)) {
        this.violations.push(`${operation.operationId}: not a JWT signed by the app's key`);
        throw new HttpError(401, "A JSON web token could not be decoded");
      }
      return { installationId: null };
    }
    const token = this.tokens.get(credential);
    if (!["token", "bearer"].includes(scheme.toLowerCase()) || !token || token.expires < Date.now()) {
      this.violations.push(`${operation.operationId}: no valid installation token`);
      throw new HttpError(401, "Bad credentials");
    }
    return { installationId: token.installationId };
  }

  private validJwt(jwt: string): boolean {
    const [header = "", payload = "", signature = ""] = jwt.split(".");
    const signed = verify(
      "RSA-SHA256",
      Buffer.from(`${header}.${payload}`),
      this.publicKey,
      Buffer.from(signature, "base64url"),
    );
    if (!signed) return false;
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as {
      iss?: unknown;
      exp?: number;
    };
    return String(claims.iss) === String(this.options.app.id) && (claims.exp ?? 0) * 1000 > Date.now();
  }

  private async codeload(pathname: string, response: ServerResponse): Promise<number> {
    const match = /^\/_codeload\/([^/]+)\/([^/]+)\/([0-9a-f]{40})$/.exec(pathname);
    const repository = match ? this.repositories.get(`${match[1]}/${match[2]}`.toLowerCase()) : undefined;
    if (!match?.[3] || !repository) {
      response.writeHead(404).end();
      return 404;
    }
    response.writeHead(200, { "content-type": "application/x-gzip" });
    const archive = repository.git.archive(
      match[3],
      `${repository.owner}-${repository.name}-${match[3].slice(0, 7)}`,
    );
    archive.pipe(response);
    await new Promise((resolve) => response.on("close", resolve));
    return 200;
  }

  private async route(
    operation: Operation,
    url: URL,
    body: unknown,
    request: IncomingMessage,
  ): Promise<Result> {
    const auth = this.authenticate(request, operation);
    const p = operation.params;
    const input = (body ?? {}) as Record<string, unknown>;
    const query = url.searchParams;
    if (operation.operationId === "apps/create-installation-access-token") {
      const token = `ghs_${randomBytes(18).toString("hex")}`;
      const expires = Date.now() + 3600_000;
      this.tokens.set(token, { installationId: Number(p.installation_id), expires });
      return {
        status: 201,
        data: {
          token,
          expires_at: new Date(expires).toISOString().replace(/\.\d+Z$/, "Z"),
          permissions: INSTALLATION_PERMISSIONS,
          repository_selection: "all",
        },
      };
    }
    void auth;
    const repository = this.repositories.get(`${p.owner}/${p.repo}`.toLowerCase());
    if (!repository) throw new HttpError(404, "Not Found");
    const { git } = repository;
    const handler = HANDLERS[operation.operationId];
    if (!handler) {
      this.violations.push(`${operation.operationId}: not implemented by the local GitHub`);
      throw new HttpError(404, "Not Found");
    }
    return handler.call(this, { repository, git, p, input, query, url, request });
  }

  // ---- JSON shapes ---------------------------------------------------------------------------------------------

  userJson(user: User): Record<string, unknown> {
    return {
      login: user.login,
      id: user.id,
      node_id: `U_${user.id}`,
      type: user.type,
      site_admin: false,
      html_url: `${this.htmlBase}/${user.login}`,
      url: `${this.apiUrl}/users/${user.login}`,
    };
  }

  repositoryJson(repository: Repository): Record<string, unknown> {
    const fullName = `${repository.owner}/${repository.name}`;
    return {
      id: repository.id,
      node_id: `R_${repository.id}`,
      name: repository.name,
      full_name: fullName,
      private: false,
      owner: { ...this.userJson({ login: repository.owner, id: 2, type: "User" }), name: repository.owner },
      html_url: `${this.htmlBase}/${fullName}`,
      url: `${this.apiUrl}/repos/${fullName}`,
      clone_url: `${this.htmlBase}/${fullName}.git`,
      default_branch: repository.defaultBranch,
      fork: false,
    };
  }

  checkRunJson(repository: Repository, run: CheckRun): Record<string, unknown> {
    const { annotations: _annotations, updates: _updates, ...rest } = run;
    return {
      ...rest,
      node_id: `CR_${run.id}`,
      external_id: "",
      url: `${this.apiUrl}/repos/${repository.owner}/${repository.name}/check-runs/${run.id}`,
      html_url: `${this.htmlBase}/${repository.owner}/${repository.name}/runs/${run.id}`,
      details_url: null,
      check_suite: { id: run.id },
      pull_requests: [],
    };
  }

  async pullJson(repository: Repository, pull: PullRequest): Promise<Record<string, unknown>> {
    const fullName = `${repository.owner}/${repository.name}`;
    const headSha = (await repository.git.refSha(`refs/heads/${pull.head}`)) ?? pull.head;
    const baseSha = (await repository.git.refSha(`refs/heads/${pull.base}`)) ?? "";
    const side = (ref: string, sha: string) => ({
      label: `${repository.owner}:${ref}`,
      ref,
      sha,
      user: this.userJson({ login: repository.owner, id: 2, type: "User" }),
      repo: this.repositoryJson(repository),
    });
    return {
      id: pull.number + 50_000,
      node_id: `PR_${pull.number}`,
      number: pull.number,
      state: pull.state,
      locked: false,
      title: pull.title,
      body: pull.body,
      user: this.userJson(pull.user),
      draft: pull.draft,
      merged: pull.merged,
      maintainer_can_modify: pull.maintainer_can_modify,
      head: side(pull.head, headSha),
      base: side(pull.base, baseSha),
      html_url: `${this.htmlBase}/${fullName}/pull/${pull.number}`,
      url: `${this.apiUrl}/repos/${fullName}/pulls/${pull.number}`,
      created_at: pull.created_at,
      updated_at: pull.updated_at,
      closed_at: pull.state === "closed" ? pull.updated_at : null,
      merged_at: null,
      author_association: "NONE",
    };
  }

  commentJson(repository: Repository, comment: IssueComment | ReviewComment): Record<string, unknown> {
    const fullName = `${repository.owner}/${repository.name}`;
    const isReview = "path" in comment;
    return {
      ...comment,
      node_id: `${isReview ? "PRRC" : "IC"}_${comment.id}`,
      user: this.userJson(comment.user),
      html_url: `${this.htmlBase}/${fullName}/${isReview ? `pull/${comment.pull_number}#discussion_r` : `issues/${comment.issue_number}#issuecomment-`}${comment.id}`,
      url: `${this.apiUrl}/repos/${fullName}/${isReview ? "pulls" : "issues"}/comments/${comment.id}`,
      author_association: "NONE",
      reactions: this.reactionSummary(repository, `${isReview ? "review" : "issue"}-comment:${comment.id}`),
    };
  }

  reactionSummary(repository: Repository, subject: string): Record<string, unknown> {
    const of = repository.reactions.filter((r) => r.subject === subject);
    const count = (content: string) => of.filter((r) => r.content === content).length;
    return {
      total_count: of.length,
      "+1": count("+1"),
      "-1": count("-1"),
      laugh: count("laugh"),
      confused: count("confused"),
      heart: count("heart"),
      hooray: count("hooray"),
      eyes: count("eyes"),
      rocket: count("rocket"),
    };
  }

  appActor(): User {
    return this.appUser;
  }

  newId(): number {
    return this.nextId++;
  }
}

interface HandlerInput {
  repository: Repository;
  git: BareRepository;
  p: Record<string, string>;
  input: Record<string, unknown>;
  query: URLSearchParams;
  url: URL;
  request: IncomingMessage;
}
interface Result {
  status: number;
  data?: unknown;
  headers?: Record<string, string | number>;
  /** Bytes sent as they are (a file's raw content) instead of JSON. */
  raw?: Buffer;
}
type Handler = (this: LocalGitHub, input: HandlerInput) => Promise<Result> | Result;

/** A page of a list, with GitHub's `Link` header when there is more. */
function page<T>(items: readonly T[], query: URLSearchParams, url: URL): Result {
  const perPage = Math.min(100, Number(query.get("per_page") ?? 30) || 30);
  const number = Math.max(1, Number(query.get("page") ?? 1) || 1);
  const last = Math.max(1, Math.ceil(items.length / perPage));
  const links: string[] = [];
  const at = (n: number) => {
    const next = new URL(url);
    next.searchParams.set("page", String(n));
    next.searchParams.set("per_page", String(perPage));
    return next.toString();
  };
  if (number < last) links.push(`<${at(number + 1)}>; rel="next"`, `<${at(last)}>; rel="last"`);
  if (number > 1) links.push(`<${at(number - 1)}>; rel="prev"`, `<${at(1)}>; rel="first"`);
  return {
    status: 200,
    data: items.slice((number - 1) * perPage, number * perPage),
    ...(links.length > 0 ? { headers: { link: links.join(", ") } } : {}),
  };
}

async function commitOr404(git: BareRepository, ref: string): Promise<string> {
  const sha = await git.resolve(ref);
  if (!sha) throw new HttpError(404, `No commit found for the ref ${ref}`);
  return sha;
}

function pullOr404(repository: Repository, number: string | number): PullRequest {
  const pull = repository.pulls.find((p) => p.number === Number(number));
  if (!pull) throw new HttpError(404, "Not Found");
  return pull;
}

function headBranch(repository: Repository, head: string): string {
  const colon = head.indexOf(":");
  if (colon === -1) return head;
  if (head.slice(0, colon).toLowerCase() !== repository.owner.toLowerCase())
    throw new HttpError(422, "Validation Failed", [
      { resource: "PullRequest", field: "head", code: "invalid" },
    ]);
  return head.slice(colon + 1);
}

/** The new-side lines a pull request's diff shows (hunks with three lines of context): where comments may go. */
async function diffLines(
  repository: Repository,
  pull: PullRequest,
): Promise<Map<string, { right: Set<number>; left: Set<number> }>> {
  const { git } = repository;
  const head = await commitOr404(git, `refs/heads/${pull.head}`);
  const base = (await git.mergeBase(`refs/heads/${pull.base}`, head)) ?? head;
  const lines = new Map<string, { right: Set<number>; left: Set<number> }>();
  for (const file of await git.diffFiles(base, head)) {
    const patch = await git.patch(base, head, file.filename, file.previous_filename);
    const sides = { right: new Set<number>(), left: new Set<number>() };
    let oldLine = 0;
    let newLine = 0;
    for (const line of patch.split("\n")) {
      const hunk = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(line);
      if (hunk) {
        oldLine = Number(hunk[1]);
        newLine = Number(hunk[2]);
      } else if (line.startsWith("+")) sides.right.add(newLine++);
      else if (line.startsWith("-")) sides.left.add(oldLine++);
      else if (!line.startsWith("\\")) {
        sides.right.add(newLine++);
        sides.left.add(oldLine++);
      }
    }
    lines.set(file.filename, sides);
  }
  return lines;
}

const HANDLERS: Record<string, Handler> = {
  "repos/get-content": async function ({ repository, git, p, query, request }) {
    const ref = query.get("ref") ?? repository.defaultBranch;
    const commit = await commitOr404(git, ref);
    const path = p.path ?? "";
    const object = await git.pathObject(commit, path.replace(/\/$/, ""));
    const raw = /\.raw\b/.test(String(request.headers.accept ?? ""));
    if (object?.type === "blob") {
      const blobSha = object.sha;
      const bytes = await git.blob(blobSha);
      if (raw) return { status: 200, raw: bytes };
      return {
        status: 200,
        data: {
          type: "file",
          encoding: "base64",
          size: bytes.length,
          name: path.split("/").pop(),
          path,
          sha: blobSha,
          content: bytes.toString("base64"),
        },
      };
    }
    if (object?.type === "tree") {
      const entries = await git.tree(object.sha, false);
      return {
        status: 200,
        data: entries.map((e) => ({
          type: e.type === "tree" ? "dir" : "file",
          name: e.path,
          path: `${path}/${e.path}`,
          sha: e.sha,
          size: e.size ?? 0,
        })),
      };
    }
    throw new HttpError(404, "Not Found");
  },

  "repos/download-tarball-archive": async function ({ repository, git, p }) {
    const sha = await commitOr404(git, p.ref ?? "");
    return {
      status: 302,
      headers: { location: `http://${this.host}/_codeload/${repository.owner}/${repository.name}/${sha}` },
    };
  },

  "git/get-tree": async function ({ git, p, query }) {
    const tree = await git.resolve(p.tree_sha ?? "", "tree");
    if (!tree) throw new HttpError(404, "Not Found");
    const recursive =
      query.has("recursive") && query.get("recursive") !== "false" && query.get("recursive") !== "0";
    const entries = await git.tree(tree, recursive);
    return {
      status: 200,
      data: {
        sha: tree,
        url: "",
        truncated: false,
        tree: entries.map((e) => ({
          path: e.path,
          mode: e.mode,
          type: e.type,
          sha: e.sha,
          ...(e.size !== undefined ? { size: e.size } : {}),
        })),
      },
    };
  },

  "git/get-blob": async function ({ git, p }) {
    const sha = p.file_sha ?? "";
    if ((await git.objectType(sha)) !== "blob") throw new HttpError(404, "Not Found");
    const bytes = await git.blob(sha);
    return {
      status: 200,
      data: {
        sha,
        size: bytes.length,
        encoding: "base64",
        content: bytes.toString("base64"),
        node_id: `B_${sha}`,
        url: "",
      },
    };
  },

  "git/create-blob": async function ({ git, input }) {
    const content = str(input.content, "");
    const bytes = Buffer.from(content, input.encoding === "base64" ? "base64" : "utf8");
    const sha = await git.writeBlob(bytes);
    return { status: 201, data: { sha, url: "" } };
  },

  "git/create-tree": async function ({ git, input }) {
    const base = input.base_tree ? await git.resolve(str(input.base_tree), "tree") : null;
    if (input.base_tree && !base)
      throw new HttpError(422, "Invalid tree info", [{ message: "base_tree is not a valid tree" }]);
    const entries = [];
    for (const entry of (input.tree ?? []) as {
      path: string;
      mode: string;
      type: string;
      sha?: string | null;
      content?: string;
    }[]) {
      if (entry.sha !== undefined && entry.content !== undefined)
        throw new HttpError(422, "Invalid tree info", [
          { message: "Use either tree.sha or content, not both" },
        ]);
      let sha = entry.sha ?? null;
      if (entry.content !== undefined) sha = await git.writeBlob(Buffer.from(entry.content, "utf8"));
      else if (sha !== null && (await git.objectType(sha)) !== entry.type)
        throw new HttpError(422, `tree.sha ${sha} is not a valid ${entry.type}`);
      if (entry.type === "tree") throw new HttpError(422, "the local GitHub takes blob entries only");
      entries.push({ path: entry.path, mode: entry.mode, sha });
    }
    const sha = await git.writeTree(base, entries);
    return {
      status: 201,
      data: { sha, url: "", truncated: false, tree: (await git.tree(sha, false)).map((e) => ({ ...e })) },
    };
  },

  "git/get-commit": async function ({ git, p }) {
    const sha = p.commit_sha ?? "";
    if ((await git.objectType(sha)) !== "commit") throw new HttpError(404, "Not Found");
    return { status: 200, data: await commitJson(git, sha) };
  },

  "git/create-commit": async function ({ git, input }) {
    const tree = str(input.tree);
    if ((await git.objectType(tree)) !== "tree") throw new HttpError(422, "Tree SHA does not exist");
    const parents = (input.parents ?? []) as string[];
    for (const parent of parents)
      if ((await git.objectType(parent)) !== "commit")
        throw new HttpError(422, "Parent SHA does not exist or is not a commit object");
    const author = (input.author as { name: string; email: string } | undefined) ?? {
      name: this.appActor().login,
      email: `${this.appActor().id}+${this.appActor().login}@users.noreply.github.com`,
    };
    const sha = await git.writeCommit(tree, parents, str(input.message), author);
    return { status: 201, data: await commitJson(git, sha) };
  },

  "git/get-ref": async function ({ git, p }) {
    const ref = `refs/${p.ref ?? ""}`;
    const sha = await git.refSha(ref);
    if (!sha || !ref.startsWith("refs/heads/")) throw new HttpError(404, "Not Found");
    return { status: 200, data: refJson(ref, sha) };
  },

  "git/create-ref": async function ({ git, input }) {
    const ref = str(input.ref);
    const sha = str(input.sha);
    if (!/^refs\/[^/]+\/.+/.test(ref))
      throw new HttpError(422, "Reference name must start with 'refs/' and have at least two slashes.");
    if ((await git.objectType(sha)) !== "commit") throw new HttpError(422, "Object does not exist");
    try {
      await git.updateRef(ref, sha, null);
    } catch (error) {
      if (error instanceof GitError) throw new HttpError(422, "Reference already exists");
      throw error;
    }
    this.emit("change");
    return { status: 201, data: refJson(ref, sha) };
  },

  "git/update-ref": async function ({ repository, git, p, input }) {
    const ref = `refs/${p.ref ?? ""}`;
    const sha = str(input.sha);
    const current = await git.refSha(ref);
    if (!current) throw new HttpError(422, "Reference does not exist");
    if ((await git.objectType(sha)) !== "commit") throw new HttpError(422, "Object does not exist");
    if (!input.force && !(await git.isAncestor(current, sha)))
      throw new HttpError(422, "Update is not a fast forward");
    try {
      await git.updateRef(ref, sha, current);
    } catch (error) {
      if (error instanceof GitError) throw new HttpError(422, "Reference cannot be updated");
      throw error;
    }
    void repository;
    this.emit("change");
    return { status: 200, data: refJson(ref, sha) };
  },

  "git/delete-ref": async function ({ repository, git, p }) {
    const ref = `refs/${p.ref ?? ""}`;
    const current = await git.refSha(ref);
    if (!current) throw new HttpError(422, "Reference does not exist");
    await git.deleteRef(ref, current).catch(() => {
      throw new HttpError(422, "Reference does not exist");
    });
    // GitHub closes the open pull requests whose head branch is deleted.
    const branch = ref.slice("refs/heads/".length);
    for (const pull of repository.pulls)
      if (pull.state === "open" && (pull.head === branch || pull.base === branch)) {
        pull.state = "closed";
        pull.updated_at = now();
      }
    this.emit("change");
    return { status: 204 };
  },

  "repos/compare-commits-with-basehead": async function ({ git, p }) {
    const [base = "", head = ""] = (p.basehead ?? "").split("...");
    const baseSha = await commitOr404(git, base);
    const headSha = await commitOr404(git, head);
    const mergeBase = (await git.mergeBase(baseSha, headSha)) ?? baseSha;
    const files = await git.diffFiles(mergeBase, headSha);
    const ahead = await git.commitsBetween(mergeBase, headSha);
    const behind = await git.commitsBetween(mergeBase, baseSha);
    const commits = [];
    for (const sha of ahead) commits.push({ sha, commit: { message: (await git.commit(sha)).message } });
    return {
      status: 200,
      data: {
        status:
          behind.length === 0
            ? ahead.length === 0
              ? "identical"
              : "ahead"
            : ahead.length === 0
              ? "behind"
              : "diverged",
        ahead_by: ahead.length,
        behind_by: behind.length,
        total_commits: ahead.length,
        merge_base_commit: { sha: mergeBase },
        commits,
        // GitHub lists at most 300 files.
        files: await filesWithPatches(git, mergeBase, headSha, files.slice(0, 300)),
      },
    };
  },

  "repos/get-collaborator-permission-level": function ({ repository, p }) {
    const login = p.username ?? "";
    const permission = repository.permissions.get(login) ?? "read";
    return {
      status: 200,
      data: {
        permission,
        role_name: permission === "write" ? "write" : permission,
        user: this.userJson({ login, id: 1, type: "User" }),
      },
    };
  },

  // ---- Check runs ----
  "checks/create": async function ({ repository, git, input }) {
    const headSha = str(input.head_sha);
    if (!(await git.resolve(headSha)) || (await git.objectType(headSha)) !== "commit")
      throw new HttpError(422, "No commit found for SHA: " + headSha);
    const run: CheckRun = {
      id: this.newId(),
      name: str(input.name),
      head_sha: headSha,
      status: "queued",
      conclusion: null,
      output: { title: null, summary: null, text: null, annotations_count: 0 },
      annotations: [],
      actions: [],
      app: { ...this.app },
      started_at: now(),
      completed_at: null,
      updates: [],
    };
    applyCheckRunInput(run, input);
    repository.checkRuns.push(run);
    this.emit("change");
    return { status: 201, data: this.checkRunJson(repository, run) };
  },

  "checks/update": function ({ repository, p, input }) {
    const run = repository.checkRuns.find((r) => r.id === Number(p.check_run_id));
    if (!run) throw new HttpError(404, "Not Found");
    applyCheckRunInput(run, input);
    run.updates.push(input);
    this.emit("change");
    return { status: 200, data: this.checkRunJson(repository, run) };
  },

  "checks/get": function ({ repository, p }) {
    const run = repository.checkRuns.find((r) => r.id === Number(p.check_run_id));
    if (!run) throw new HttpError(404, "Not Found");
    return { status: 200, data: this.checkRunJson(repository, run) };
  },

  "checks/list-annotations": function ({ repository, p, query, url }) {
    const run = repository.checkRuns.find((r) => r.id === Number(p.check_run_id));
    if (!run) throw new HttpError(404, "Not Found");
    return page(run.annotations, query, url);
  },

  "checks/list-for-ref": async function ({ repository, git, p }) {
    const sha = await commitOr404(git, p.ref ?? "");
    const runs = repository.checkRuns
      .filter((r) => r.head_sha === sha)
      .map((r) => this.checkRunJson(repository, r));
    return { status: 200, data: { total_count: runs.length, check_runs: runs } };
  },

  // ---- Pull requests ----
  "pulls/list": async function ({ repository, query, url }) {
    const state = query.get("state") ?? "open";
    const head = query.get("head");
    const base = query.get("base");
    const pulls = repository.pulls.filter(
      (pull) =>
        (state === "all" || pull.state === state) &&
        (!head || pull.head === headBranch(repository, head)) &&
        (!base || pull.base === base),
    );
    const result = page(pulls.slice().reverse(), query, url);
    return {
      ...result,
      data: await Promise.all((result.data as PullRequest[]).map((pull) => this.pullJson(repository, pull))),
    };
  },

  "pulls/get": async function ({ repository, p }) {
    return { status: 200, data: await this.pullJson(repository, pullOr404(repository, p.pull_number ?? "")) };
  },

  "pulls/create": async function ({ repository, git, input }) {
    const head = headBranch(repository, str(input.head));
    const base = str(input.base);
    const headSha = await git.refSha(`refs/heads/${head}`);
    const baseSha = await git.refSha(`refs/heads/${base}`);
    if (!headSha || !baseSha)
      throw new HttpError(422, "Validation Failed", [
        { resource: "PullRequest", field: headSha ? "base" : "head", code: "invalid" },
      ]);
    if (repository.pulls.some((pull) => pull.state === "open" && pull.head === head && pull.base === base))
      throw new HttpError(422, "Validation Failed", [
        {
          resource: "PullRequest",
          code: "custom",
          message: `A pull request already exists for ${repository.owner}:${head}.`,
        },
      ]);
    if ((await git.commitsBetween(baseSha, headSha)).length === 0)
      throw new HttpError(422, "Validation Failed", [
        { resource: "PullRequest", code: "custom", message: `No commits between ${base} and ${head}` },
      ]);
    const pull: PullRequest = {
      number: repository.nextNumber++,
      state: "open",
      title: str(input.title, ""),
      body: typeof input.body === "string" ? input.body : null,
      head,
      base,
      user: this.appActor(),
      maintainer_can_modify: input.maintainer_can_modify === true,
      draft: input.draft === true,
      merged: false,
      created_at: now(),
      updated_at: now(),
    };
    repository.pulls.push(pull);
    this.emit("change");
    return { status: 201, data: await this.pullJson(repository, pull) };
  },

  "pulls/update": async function ({ repository, git, p, input }) {
    const pull = pullOr404(repository, p.pull_number ?? "");
    if (typeof input.title === "string") pull.title = input.title;
    if (typeof input.body === "string") pull.body = input.body;
    if (input.state === "closed" || input.state === "open") {
      if (input.state === "open" && !(await git.refSha(`refs/heads/${pull.head}`)))
        throw new HttpError(422, "Validation Failed", [
          { message: "state cannot be changed. The head branch was deleted." },
        ]);
      pull.state = input.state;
    }
    pull.updated_at = now();
    this.emit("change");
    return { status: 200, data: await this.pullJson(repository, pull) };
  },

  "pulls/list-files": async function ({ repository, git, p, query, url }) {
    const pull = pullOr404(repository, p.pull_number ?? "");
    const head = await commitOr404(git, `refs/heads/${pull.head}`);
    const base = (await git.mergeBase(`refs/heads/${pull.base}`, head)) ?? head;
    const files = await filesWithPatches(git, base, head, await git.diffFiles(base, head));
    return page(files, query, url);
  },

  "pulls/list-commits": async function ({ repository, git, p, query, url }) {
    const pull = pullOr404(repository, p.pull_number ?? "");
    const head = await commitOr404(git, `refs/heads/${pull.head}`);
    const shas = await git.commitsBetween(`refs/heads/${pull.base}`, head);
    const commits = [];
    for (const sha of shas) commits.push({ sha, commit: { message: (await git.commit(sha)).message } });
    return page(commits, query, url);
  },

  // ---- Reviews and review comments ----
  "pulls/create-review": async function ({ repository, git, p, input }) {
    const pull = pullOr404(repository, p.pull_number ?? "");
    const headSha = await commitOr404(git, `refs/heads/${pull.head}`);
    const commitId = typeof input.commit_id === "string" ? input.commit_id : headSha;
    if (!(await git.resolve(commitId)))
      throw new HttpError(422, "Unprocessable Entity", [
        { message: "commit_id is not part of the pull request" },
      ]);
    const event = typeof input.event === "string" ? input.event : "PENDING";
    const comments = (input.comments ?? []) as {
      path: string;
      line?: number;
      start_line?: number;
      side?: string;
      start_side?: string;
      body: string;
      position?: number;
    }[];
    if ((event === "REQUEST_CHANGES" || event === "COMMENT") && !input.body && comments.length === 0)
      throw new HttpError(422, "Unprocessable Entity", [`Review body is required for ${event}`]);
    const lines = await diffLines(repository, pull);
    for (const comment of comments) {
      const file = lines.get(comment.path);
      const side = comment.side === "LEFT" ? "left" : "right";
      const line = comment.line ?? comment.position;
      if (
        !file ||
        line === undefined ||
        !file[side].has(line) ||
        (comment.start_line !== undefined && !file[side].has(comment.start_line))
      )
        throw new HttpError(422, "Unprocessable Entity", ["Line could not be resolved"]);
    }
    const review: Review = {
      id: this.newId(),
      pull_number: pull.number,
      state:
        event === "APPROVE"
          ? "APPROVED"
          : event === "REQUEST_CHANGES"
            ? "CHANGES_REQUESTED"
            : event === "COMMENT"
              ? "COMMENTED"
              : "PENDING",
      body: str(input.body, ""),
      commit_id: commitId,
      user: this.appActor(),
      submitted_at: now(),
    };
    repository.reviews.push(review);
    for (const comment of comments) {
      repository.reviewComments.push({
        id: this.newId(),
        pull_number: pull.number,
        pull_request_review_id: review.id,
        path: comment.path,
        line: comment.line ?? null,
        start_line: comment.start_line ?? null,
        side: comment.side ?? "RIGHT",
        start_side: comment.start_line !== undefined ? (comment.start_side ?? comment.side ?? "RIGHT") : null,
        commit_id: commitId,
        body: comment.body,
        user: this.appActor(),
        created_at: now(),
        updated_at: now(),
      });
    }
    this.emit("change");
    return {
      status: 200,
      data: {
        ...review,
        user: this.userJson(review.user),
        node_id: `PRR_${review.id}`,
        html_url: `${this.htmlBase}/${repository.owner}/${repository.name}/pull/${pull.number}#pullrequestreview-${review.id}`,
      },
    };
  },

  "pulls/list-reviews": function ({ repository, p, query, url }) {
    pullOr404(repository, p.pull_number ?? "");
    const reviews = repository.reviews
      .filter((r) => r.pull_number === Number(p.pull_number))
      .map((r) => ({ ...r, user: this.userJson(r.user) }));
    return page(reviews, query, url);
  },

  "pulls/list-review-comments": function ({ repository, p, query, url }) {
    pullOr404(repository, p.pull_number ?? "");
    const comments = repository.reviewComments
      .filter((c) => c.pull_number === Number(p.pull_number))
      .map((c) => this.commentJson(repository, c));
    return page(comments, query, url);
  },

  "pulls/create-review-comment": async function ({ repository, git, p, input }) {
    const pull = pullOr404(repository, p.pull_number ?? "");
    if (input.in_reply_to !== undefined)
      return replyTo.call(this, repository, pull, Number(input.in_reply_to), str(input.body));
    const lines = await diffLines(repository, pull);
    const side = input.side === "LEFT" ? "left" : "right";
    const file = lines.get(str(input.path));
    if (!file || typeof input.line !== "number" || !file[side].has(input.line))
      throw new HttpError(422, "Unprocessable Entity", ["Line could not be resolved"]);
    const comment: ReviewComment = {
      id: this.newId(),
      pull_number: pull.number,
      pull_request_review_id: null,
      path: str(input.path),
      line: input.line,
      start_line: typeof input.start_line === "number" ? input.start_line : null,
      side: str(input.side, "RIGHT"),
      start_side: null,
      commit_id: str(input.commit_id) || (await commitOr404(git, `refs/heads/${pull.head}`)),
      body: str(input.body),
      user: this.appActor(),
      created_at: now(),
      updated_at: now(),
    };
    repository.reviewComments.push(comment);
    this.emit("change");
    return { status: 201, data: this.commentJson(repository, comment) };
  },

  "pulls/create-reply-for-review-comment": function ({ repository, p, input }) {
    const pull = pullOr404(repository, p.pull_number ?? "");
    return replyTo.call(this, repository, pull, Number(p.comment_id), str(input.body));
  },

  ...commentHandlers("pulls", (repository) => repository.reviewComments),

  // ---- Issue comments and reactions ----
  "issues/list-comments": function ({ repository, p, query, url }) {
    const comments = repository.issueComments
      .filter((c) => c.issue_number === Number(p.issue_number))
      .map((c) => this.commentJson(repository, c));
    return page(comments, query, url);
  },

  "issues/create-comment": function ({ repository, p, input }) {
    if (!repository.pulls.some((pull) => pull.number === Number(p.issue_number)))
      throw new HttpError(404, "Not Found");
    const body = str(input.body);
    if (body.length > 65536)
      throw new HttpError(422, "Validation Failed", [
        {
          resource: "IssueComment",
          code: "unprocessable",
          field: "data",
          message: "Body is too long (maximum is 65536 characters)",
        },
      ]);
    const comment: IssueComment = {
      id: this.newId(),
      issue_number: Number(p.issue_number),
      body,
      user: this.appActor(),
      created_at: now(),
      updated_at: now(),
    };
    repository.issueComments.push(comment);
    this.emit("change");
    return { status: 201, data: this.commentJson(repository, comment) };
  },

  ...commentHandlers("issues", (repository) => repository.issueComments),

  "reactions/create-for-issue-comment": function ({ repository, p, input }) {
    if (!repository.issueComments.some((c) => c.id === Number(p.comment_id)))
      throw new HttpError(404, "Not Found");
    return react.call(this, repository, `issue-comment:${p.comment_id}`, str(input.content));
  },

  "reactions/create-for-pull-request-review-comment": function ({ repository, p, input }) {
    if (!repository.reviewComments.some((c) => c.id === Number(p.comment_id)))
      throw new HttpError(404, "Not Found");
    return react.call(this, repository, `review-comment:${p.comment_id}`, str(input.content));
  },

  "reactions/create-for-issue": function ({ repository, p, input }) {
    pullOr404(repository, p.issue_number ?? "");
    return react.call(this, repository, `issue:${p.issue_number}`, str(input.content));
  },

  "reactions/list-for-issue-comment": function ({ repository, p, query, url }) {
    const reactions = repository.reactions
      .filter((r) => r.subject === `issue-comment:${p.comment_id}`)
      .map((r) => ({ ...r, user: this.userJson(r.user) }));
    return page(reactions, query, url);
  },
};

/** Reading, editing and deleting one comment by id: the same for issue comments and review comments. */
function commentHandlers(
  scope: "issues" | "pulls",
  comments: (repository: Repository) => (IssueComment | ReviewComment)[],
): Record<string, Handler> {
  const noun = scope === "pulls" ? "review-comment" : "comment";
  const find = (repository: Repository, id: string | undefined) => {
    const list = comments(repository);
    const index = list.findIndex((c) => c.id === Number(id));
    if (index === -1) throw new HttpError(404, "Not Found");
    return { list, index, comment: list[index] as IssueComment | ReviewComment };
  };
  return {
    [`${scope}/get-${noun}`]: function ({ repository, p }) {
      return { status: 200, data: this.commentJson(repository, find(repository, p.comment_id).comment) };
    },
    [`${scope}/update-${noun}`]: function ({ repository, p, input }) {
      const { comment } = find(repository, p.comment_id);
      comment.body = str(input.body);
      comment.updated_at = now();
      this.emit("change");
      return { status: 200, data: this.commentJson(repository, comment) };
    },
    [`${scope}/delete-${noun}`]: function ({ repository, p }) {
      const { list, index } = find(repository, p.comment_id);
      list.splice(index, 1);
      this.emit("change");
      return { status: 204 };
    },
  };
}

function replyTo(
  this: LocalGitHub,
  repository: Repository,
  pull: PullRequest,
  id: number,
  body: string,
): Result {
  const parent = repository.reviewComments.find((c) => c.id === id && c.pull_number === pull.number);
  if (!parent) throw new HttpError(404, "Not Found");
  const reply: ReviewComment = {
    ...parent,
    id: this.newId(),
    body,
    in_reply_to_id: parent.in_reply_to_id ?? parent.id,
    user: this.appActor(),
    created_at: now(),
    updated_at: now(),
  };
  repository.reviewComments.push(reply);
  this.emit("change");
  return { status: 201, data: this.commentJson(repository, reply) };
}

/** A reaction the app already made answers 200 with it, as GitHub does; a new one 201. */
function react(this: LocalGitHub, repository: Repository, subject: string, content: string): Result {
  const actor = this.appActor();
  const existing = repository.reactions.find(
    (r) => r.subject === subject && r.content === content && r.user.login === actor.login,
  );
  if (existing) return { status: 200, data: { ...existing, user: this.userJson(existing.user) } };
  const reaction: Reaction = { id: this.newId(), subject, content, user: actor };
  repository.reactions.push(reaction);
  this.emit("change");
  return { status: 201, data: { ...reaction, user: this.userJson(actor) } };
}

function applyCheckRunInput(run: CheckRun, input: Record<string, unknown>): void {
  if (typeof input.name === "string") run.name = input.name;
  if (typeof input.status === "string") run.status = input.status;
  if (typeof input.conclusion === "string") {
    run.conclusion = input.conclusion;
    run.status = "completed";
  }
  if (run.status === "completed") {
    if (!run.conclusion)
      throw new HttpError(422, "Invalid request.\n\nconclusion is required when status is completed");
    run.completed_at ??= now();
  }
  const output = input.output as
    { title?: string; summary?: string; text?: string; annotations?: Record<string, unknown>[] } | undefined;
  if (output) {
    run.output.title = output.title ?? run.output.title;
    run.output.summary = output.summary ?? run.output.summary;
    if (output.text !== undefined) run.output.text = output.text;
    // Annotations are appended: each update adds up to 50.
    if (output.annotations) {
      if (output.annotations.length > 50)
        throw new HttpError(422, "Only 50 annotations are allowed per request");
      run.annotations.push(...output.annotations);
      run.output.annotations_count = run.annotations.length;
    }
  }
  if (Array.isArray(input.actions)) run.actions = input.actions as CheckRun["actions"];
}

async function commitJson(git: BareRepository, sha: string): Promise<Record<string, unknown>> {
  const commit = await git.commit(sha);
  const who = /^(.*) <(.*)> (\d+) ([+-]\d{4})$/.exec(commit.author);
  const person = {
    name: who?.[1] ?? "",
    email: who?.[2] ?? "",
    date: new Date(Number(who?.[3] ?? 0) * 1000).toISOString(),
  };
  return {
    sha,
    node_id: `C_${sha}`,
    url: "",
    html_url: "",
    message: commit.message.replace(/\n$/, ""),
    tree: { sha: commit.tree, url: "" },
    parents: commit.parents.map((parent) => ({ sha: parent, url: "", html_url: "" })),
    author: person,
    committer: person,
    verification: { verified: false, reason: "unsigned", signature: null, payload: null, verified_at: null },
  };
}

/** Changed files as compare and a pull request's files list them: each with its patch and line counts. */
async function filesWithPatches(
  git: BareRepository,
  base: string,
  head: string,
  files: readonly DiffFile[],
): Promise<Record<string, unknown>[]> {
  const listed = [];
  for (const file of files) {
    const patch = await git.patch(base, head, file.filename, file.previous_filename);
    const lines = patch.split("\n");
    const additions = lines.filter((l) => l.startsWith("+")).length;
    const deletions = lines.filter((l) => l.startsWith("-")).length;
    const sha = file.status === "removed" ? "" : ((await git.pathObject(head, file.filename))?.sha ?? "");
    listed.push({ ...file, sha, additions, deletions, changes: additions + deletions, patch });
  }
  return listed;
}

/** A body field as the string the schema (checked before) says it is. */
function str(value: unknown, fallback = ""): string {
  return typeof value === "string" ? value : fallback;
}

function refJson(ref: string, sha: string): Record<string, unknown> {
  return { ref, node_id: `REF_${ref}`, url: "", object: { type: "commit", sha, url: "" } };
}
