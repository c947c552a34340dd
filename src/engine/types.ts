/** Shared vocabulary of the engine. Paths are repository-relative with forward slashes. */

export type Severity = "error" | "warning" | "info";
export type SeverityOrOff = Severity | "off";

export const SEVERITY_ORDER: Record<Severity, number> = { info: 0, warning: 1, error: 2 };

/** A file handed to the engine. `content` may be raw bytes: the engine decides whether it is text. */
export interface RepoFile {
  path: string;
  content: string | Uint8Array;
  /**
   * The file's size in bytes when `content` was not kept because it is over the size limit (a reader streaming an
   * archive need not hold a huge file to have it reported as too large).
   */
  size?: number;
}

/** A replacement of `[start, end)` of the original text (UTF-16 offsets) by `text`. */
export interface TextEdit {
  start: number;
  end: number;
  text: string;
}

export interface SourceLocation {
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

export interface ProposedFix {
  /** `safe` fixes go into fix pull requests and `--fix`; `suggestion` fixes are only shown. */
  kind: "safe" | "suggestion";
  description: string;
  edits: TextEdit[];
  /** Unified diff of the file with only this fix applied. */
  diff: string;
}

export interface Finding {
  rule: string;
  severity: Severity;
  file: string;
  location: SourceLocation;
  kind: string;
  name: string | null;
  namespace: string | null;
  /** The rule's id for the message (a key of its `meta.messages`): stable while the wording is edited. */
  messageId: string;
  message: string;
  docsUrl: string;
  fix: ProposedFix | null;
  /** Why there is no automatic fix, when there is none. */
  noFixReason: string | null;
  /** Stable across commits while the Job and the problem stay the same (SARIF, fix-PR bodies). */
  fingerprint: string;
  /**
   * A digest of the source text of the object found at fault: it changes whenever the Job is edited, where the
   * fingerprint does not. A fix a person declined stays declined only while this is the same.
   */
  objectDigest: string;
}

export interface SkippedFile {
  file: string;
  reason: string;
}

/**
 * A repository as a reader (a checkout on disk, a commit's archive) hands it to the engine: every path, the bytes of
 * the manifests, and the manifests it would not read (symbolic links), so that every reader reports them alike.
 */
export interface RepositorySnapshot {
  tree: string[];
  files: RepoFile[];
  unread: SkippedFile[];
}

/** Why a reader leaves a symbolic link alone, whatever it reads from. */
export const SYMLINK_SKIP_REASON = "symbolic link: not followed (it could point outside the repository)";

export interface DeployingApp {
  name: string;
  file: string;
  kind: "Application" | "ApplicationSet";
  automated: boolean;
  selfHeal: boolean;
  syncOptions: string[];
  /** Every Helm source of the app sets `helm.skipTests: true`: Helm test hooks are dropped at render. */
  skipsHelmTests: boolean;
}

/**
 * How an app's source paths were worked out: as written (`literal`), by evaluating templates with parameters the
 * repository states (`evaluated`: generator elements and values, git generator matches, chart values), with some
 * parts unknown and matched as one path segment each (`partial`), or not at all (`unresolved`).
 */
export type PathResolution = "literal" | "evaluated" | "partial" | "unresolved";

export interface AppSummary {
  name: string;
  file: string;
  kind: "Application" | "ApplicationSet";
  /** Repository paths (directories or files) this app deploys from this repository. */
  paths: string[];
  /** The least certain resolution among its sources that name this repository (null: none does). */
  resolution: PathResolution | null;
  notes: string[];
}

export interface ScanResult {
  findings: Finding[];
  files: { scanned: string[]; skipped: SkippedFile[] };
  apps: AppSummary[];
  /** Set when no Application and no `paths` config said what is deployed, so every manifest was assumed deployed. */
  assumedAllDeployed: boolean;
  /** Things the user should know about the scan as a whole (unresolvable app paths, ignored config…). */
  notes: string[];
}
