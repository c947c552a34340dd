/** Where each rule's page lives; every finding links to it. */
export const DOCS_BASE_URL = "https://github.com/argocd-job-guard/argocd-job-guard/blob/main/docs/rules/";

export function ruleDocsUrl(ruleId: string): string {
  return `${DOCS_BASE_URL}${ruleId}.md`;
}
