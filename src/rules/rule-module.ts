import type { Config } from "../config/schema.js";
import type { ArgoApp } from "../engine/argocd/find-applications.js";
import type { JobView } from "../engine/jobs/job-view.js";
import type { Severity, SourceLocation, TextEdit } from "../engine/types.js";

export interface FixDraft {
  kind: "safe" | "suggestion";
  description: string;
  edits: TextEdit[];
}

export type FixOutcome = { fix: FixDraft } | { noFixReason: string };

export interface FindingDraft {
  message: string;
  /** What on the object the finding is about, when one rule can report several things on it (an annotation key). */
  subject?: string;
  /** Overrides the rule's default severity (the config still wins over both). */
  severity?: Severity;
  location?: SourceLocation;
  fix: FixOutcome;
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
}

export interface RuleMeta {
  id: string;
  defaultSeverity: Severity;
  /** One line for tables, SARIF and the CLI's rule list. */
  description: string;
  fixable: "safe" | "suggestion" | "none";
  /**
   * Rank inside the plain-Job family (rules.md): of the family's findings on one Job only the highest rank is kept.
   */
  plainJobFamilyRank?: number;
}

export interface RuleModule {
  meta: RuleMeta;
  checkJob?(ctx: RuleContext, job: JobView): FindingDraft[];
  checkApp?(ctx: RuleContext, app: ArgoApp): FindingDraft[];
}

export function noFix(reason: string): FixOutcome {
  return { noFixReason: reason };
}
