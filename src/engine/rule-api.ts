import type { Config } from "../config/schema.js";
import type { ArgoApp } from "./argocd/find-applications.js";
import type { AnnotationChange } from "./fix/annotation-edits.js";
import type { JobView } from "./jobs/job-view.js";
import type { Severity, SourceLocation, TextEdit } from "./types.js";

/**
 * The contract between the engine and its rules. The engine owns it and the adapters pass the rules in
 * (`scanRepository({ rules: RULES, … })`), as ESLint's Linter takes its rules: the engine never imports a rule, and a
 * rule needs nothing from the engine beyond this file, the Job view and the Argo CD vocabulary.
 */

export type { AnnotationChange } from "./fix/annotation-edits.js";

export interface FixDraft {
  /** `safe` fixes go into `--fix` and fix pull requests; `suggestion`s are only shown (ESLint's fix vs suggest). */
  kind: "safe" | "suggestion";
  description: string;
  edits: TextEdit[];
}

export type FixOutcome = { fix: FixDraft } | { noFixReason: string };

/** Values for a message's `{{placeholder}}`s. */
export type MessageData = Readonly<Record<string, string | number>>;

export interface FindingDraft<MessageId extends string = string> {
  /** A key of the rule's `meta.messages`: what the user reads is pinned by id in the fixtures. */
  messageId: MessageId;
  data?: MessageData;
  /** What on the object the finding is about, when one rule can report several things on it (an annotation key). */
  subject?: string;
  /** Overrides the rule's default severity (the config still wins over both). */
  severity?: Severity;
  location?: SourceLocation;
  fix: FixOutcome;
}

/** What a rule needs to build its fixes: edits are made by the engine, which later verifies them. */
export interface RuleFixer {
  /** Edits that bring the Job's annotations to `changes`; null when its layout leaves no safe place for them. */
  annotations(job: JobView, changes: readonly AnnotationChange[]): TextEdit[] | null;
  /** An edit replacing one annotation's literal value in place; null when the value is not a plain scalar there. */
  annotationValue(job: JobView, key: string, value: string): TextEdit | null;
  /** Why `annotations` found no place for the edit: what blocks editing, or `fallback`. */
  noEditReason(job: JobView, fallback: string): string;
  /** Why a fix that touches `key` is not made: the Kustomize patch that sets it. */
  patchedReason(job: JobView, key: string): string;
  /** The hook phase the configuration chooses for this Job (`fix.hookPhase`, or PreSync for a migration). */
  hookPhase(job: JobView): "PreSync" | "Sync" | "PostSync";
}

export interface RuleContext {
  config: Config;
  /** The same Job (kind, namespace, name) at the base revision, in a diff-aware scan. */
  baseJobOf(job: JobView): JobView | null;
  /**
   * The configured strategy fix (`fix.strategy`) for a plain Job. `forceDoesNotHelp` names why the `force` strategy
   * would leave the problem in place; the `hook` fix is proposed instead.
   */
  strategyFix(job: JobView, options?: { forceDoesNotHelp?: string }): FixOutcome;
  fixer: RuleFixer;
}

export interface RuleMeta<MessageId extends string = string> {
  id: string;
  defaultSeverity: Severity;
  /** One line for tables, SARIF and the CLI's rule list. */
  description: string;
  fixable: "safe" | "suggestion" | "none";
  /** When the severity differs from the default, for the README's table ("error with `selfHeal`"). */
  severityNote?: string;
  /** What the fix is or when it is offered, for the README's table ("the strategy fix"). */
  fixNote?: string;
  /**
   * What the rule tells the user, by message id (ESLint's `meta.messages`); `{{name}}` is filled from the finding's
   * `data`.
   */
  messages: Readonly<Record<MessageId, string>>;
  /**
   * Rank inside the plain-Job family (docs/argocd-and-jobs.md): of the family's findings on one Job only the highest
   * rank is kept.
   */
  plainJobFamilyRank?: number;
}

export interface RuleModule<MessageId extends string = string> {
  meta: RuleMeta<MessageId>;
  checkJob?(ctx: RuleContext, job: JobView): FindingDraft<MessageId>[];
  checkApp?(ctx: RuleContext, app: ArgoApp): FindingDraft<MessageId>[];
}

export function noFix(reason: string): FixOutcome {
  return { noFixReason: reason };
}

/**
 * The text of a finding: its message with the placeholders filled. An unknown id or a placeholder without data is a
 * bug in the rule, and throws rather than show the user a template.
 * @example formatMessage({ hi: "Job {{name}}" }, "hi", { name: "x" }) === "Job x"
 */
export function formatMessage(
  messages: Readonly<Record<string, string>>,
  messageId: string,
  data: MessageData = {},
): string {
  const template = Object.hasOwn(messages, messageId) ? messages[messageId] : undefined;
  if (template === undefined) throw new Error(`unknown message id "${messageId}"`);
  return template.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, name: string) => {
    const value = Object.hasOwn(data, name) ? data[name] : undefined;
    if (value === undefined) throw new Error(`message "${messageId}" needs {{${name}}}`);
    return String(value);
  });
}
