import type { Finding, Severity } from "../engine/types.js";

/** How many findings of each severity: the summary line of every output counts them. */
export function countBySeverity(findings: Iterable<Finding>): Record<Severity, number> {
  const counts: Record<Severity, number> = { error: 0, warning: 0, info: 0 };
  for (const finding of findings) counts[finding.severity]++;
  return counts;
}
