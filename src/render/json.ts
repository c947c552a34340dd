import type { Finding, ScanResult } from "../engine/types.js";
import { scanNotes } from "./notes.js";

/** The CLI's `--format json` shape (architecture.md). One entry per scanned root. */
export interface JsonReport {
  findings: {
    rule: string;
    severity: string;
    file: string;
    line: number;
    column: number;
    endLine: number;
    kind: string;
    name: string | null;
    namespace: string | null;
    message: string;
    docs: string;
    fingerprint: string;
    fix: { diff: string; safe: boolean; description: string } | null;
    /** Only after `--fix`: whether this finding's fix was written (false: it is still in the file). */
    fixed?: boolean;
    root?: string;
  }[];
  files: { scanned: number; skipped: { file: string; reason: string; root?: string }[] };
  apps: {
    name: string;
    kind: string;
    file: string;
    paths: string[];
    /** How the paths were worked out: literal, evaluated (from generator or chart values), partial, unresolved. */
    resolution: string | null;
    root?: string;
  }[];
  notes: string[];
}

export interface JsonOptions {
  /** After `--fix`: the findings whose fix was written; every finding then says whether it was fixed. */
  fixed?: ReadonlySet<Finding>;
}

export function renderJson(
  results: readonly { root: string | null; result: ScanResult }[],
  options: JsonOptions = {},
): JsonReport {
  const report: JsonReport = { findings: [], files: { scanned: 0, skipped: [] }, apps: [], notes: [] };
  for (const { root, result } of results) {
    const rootField = root === null ? {} : { root };
    for (const f of result.findings) {
      report.findings.push({
        rule: f.rule,
        severity: f.severity,
        file: f.file,
        line: f.location.line,
        column: f.location.column,
        endLine: f.location.endLine,
        kind: f.kind,
        name: f.name,
        namespace: f.namespace,
        message: f.message,
        docs: f.docsUrl,
        fingerprint: f.fingerprint,
        fix: f.fix ? { diff: f.fix.diff, safe: f.fix.kind === "safe", description: f.fix.description } : null,
        ...(options.fixed ? { fixed: options.fixed.has(f) } : {}),
        ...rootField,
      });
    }
    report.files.scanned += result.files.scanned.length;
    for (const s of result.files.skipped) report.files.skipped.push({ ...s, ...rootField });
    for (const a of result.apps)
      report.apps.push({
        name: a.name,
        kind: a.kind,
        file: a.file,
        paths: a.paths,
        resolution: a.resolution,
        ...rootField,
      });
    for (const note of scanNotes(result)) report.notes.push(root === null ? note : `${root}: ${note}`);
  }
  return report;
}
