/**
 * The objects an Application creates in its Sync phase that a Job may need before it starts (PersistentVolumeClaims,
 * Secrets, ConfigMaps, ServiceAccounts), as `Kind/name`. A PreSync hook runs before the Sync phase creates them, so
 * on the first sync it waits for something that does not exist yet (argocd-facts §10).
 *
 * Read from the text with a line scan, not a YAML parse: every deployed file is looked at, and most of them hold
 * kinds the engine otherwise never parses. Hooks are left out (they are created in their own phase).
 */
const KIND_CREATES: ReadonlyMap<string, string> = new Map([
  ["PersistentVolumeClaim", "PersistentVolumeClaim"],
  ["Secret", "Secret"],
  ["ConfigMap", "ConfigMap"],
  ["ServiceAccount", "ServiceAccount"],
  // Controllers that create a Secret of the same name.
  ["SealedSecret", "Secret"],
  ["ExternalSecret", "Secret"],
]);

export function declaredResources(text: string): string[] {
  const found: string[] = [];
  for (const document of text.split(/^---[^\n]*$/m)) {
    let kind: string | null = null;
    let name: string | null = null;
    let inMetadata = false;
    let isHook = false;
    for (const line of document.split("\n")) {
      if (line.startsWith("kind:")) kind = scalar(line.slice(5));
      else if (line.startsWith("metadata:")) inMetadata = true;
      else if (/^\S/.test(line)) inMetadata = false;
      else if (inMetadata && name === null && /^ {2}name:/.test(line))
        name = scalar(line.slice(line.indexOf(":") + 1));
      if (line.includes("argocd.argoproj.io/hook:") || line.includes("helm.sh/hook:")) isHook = true;
    }
    const created = kind === null ? undefined : KIND_CREATES.get(kind);
    if (created && name && !isHook) found.push(`${created}/${name}`);
  }
  return found;
}

function scalar(text: string): string {
  let value = text.trim();
  const comment = value.indexOf(" #");
  if (comment !== -1) value = value.slice(0, comment).trim();
  return value.replace(/^["']|["']$/g, "");
}
