/**
 * What Argo CD reads from a resource's annotations, as gitops-engine and the application controller read it
 * (gitops-engine pkg/sync/hook/hook.go, hook/delete_policy.go, hook/helm/*.go, sync_context.go; docs/argocd-and-jobs.md,
 * "Hooks" to "Sync options").
 */

export const ANNOTATION = {
  hook: "argocd.argoproj.io/hook",
  hookDeletePolicy: "argocd.argoproj.io/hook-delete-policy",
  syncOptions: "argocd.argoproj.io/sync-options",
  syncWave: "argocd.argoproj.io/sync-wave",
  helmHook: "helm.sh/hook",
  helmHookDeletePolicy: "helm.sh/hook-delete-policy",
  ignore: "argocd-job-guard.io/ignore",
} as const;

/** Hook types Argo CD accepts, exactly as spelled (matching is case-sensitive). PreDelete needs Argo CD 3.3. */
export const ARGO_HOOK_TYPES = [
  "PreSync",
  "Sync",
  "PostSync",
  "SyncFail",
  "PostDelete",
  "PreDelete",
  "Skip",
] as const;
export type ArgoHookType = (typeof ARGO_HOOK_TYPES)[number];

export const ARGO_DELETE_POLICIES = ["HookSucceeded", "HookFailed", "BeforeHookCreation"] as const;
export type ArgoDeletePolicy = (typeof ARGO_DELETE_POLICIES)[number];

export const HELM_DELETE_POLICIES: Record<string, ArgoDeletePolicy> = {
  "before-hook-creation": "BeforeHookCreation",
  "hook-succeeded": "HookSucceeded",
  "hook-failed": "HookFailed",
};

/** Helm hooks Argo CD maps to its own phases (gitops-engine hook/helm/type.go; controller/hook.go for deletes). */
export const HELM_HOOK_MAPPING: Record<string, ArgoHookType> = {
  "pre-install": "PreSync",
  "pre-upgrade": "PreSync",
  "post-install": "PostSync",
  "post-upgrade": "PostSync",
  "pre-delete": "PreDelete",
  "post-delete": "PostDelete",
};

/** Helm hooks that make a resource a hook Argo CD never applies. */
export const HELM_HOOKS_NEVER_APPLIED = [
  "test",
  "test-success",
  "test-failure",
  "pre-rollback",
  "post-rollback",
];

/** Splits a comma-separated annotation as gitops-engine's GetAnnotationCSVs does: trimmed, empties dropped. */
export function splitCsv(value: string | undefined): string[] {
  if (value === undefined) return [];
  return value
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

export function isArgoHookType(token: string): token is ArgoHookType {
  return (ARGO_HOOK_TYPES as readonly string[]).includes(token);
}

export function isArgoDeletePolicy(token: string): token is ArgoDeletePolicy {
  return (ARGO_DELETE_POLICIES as readonly string[]).includes(token);
}

export interface HookInfo {
  /** The Argo CD hook annotation is present (whatever its value). */
  hasArgoHookAnnotation: boolean;
  argoTokens: string[];
  invalidArgoTokens: string[];
  helmTokens: string[];
  /** Phases Argo CD will run this resource in; empty for a normal resource. */
  phases: ArgoHookType[];
  /** A hook (Argo CD's or a mapped Helm hook): not compared, not pruned, run by phase. */
  isHook: boolean;
  /** Argo CD never applies it: `Skip`, an invalid Argo hook value, or only unsupported Helm hooks. */
  neverApplied: boolean;
  /** The phase came from `helm.sh/hook` (no valid Argo CD hook annotation). */
  fromHelm: boolean;
}

/** Mirrors gitops-engine hook.IsHook / hook.Types / ignore.Ignore / hook.Skip. */
export function readHook(annotations: ReadonlyMap<string, string>): HookInfo {
  const argoRaw = annotations.get(ANNOTATION.hook);
  const hasArgoHookAnnotation = argoRaw !== undefined;
  const argoTokens = splitCsv(argoRaw);
  const validArgo = [...new Set(argoTokens.filter(isArgoHookType))];
  const invalidArgoTokens = argoTokens.filter((token) => !isArgoHookType(token));
  const helmRaw = annotations.get(ANNOTATION.helmHook);
  const helmTokens = splitCsv(helmRaw);
  const helmIsHook = helmRaw !== undefined && helmRaw !== "crd-install";

  let types: ArgoHookType[] = validArgo;
  let fromHelm = false;
  if (types.length === 0 && helmIsHook) {
    types = [...new Set(helmTokens.map((token) => HELM_HOOK_MAPPING[token]).filter((t) => t !== undefined))];
    fromHelm = types.length > 0;
  }
  const isHookAnnotated = hasArgoHookAnnotation || helmIsHook;
  const skipOnly = types.length === 1 && types[0] === "Skip";
  const phases = types.filter((type) => type !== "Skip");
  const neverApplied = (isHookAnnotated && types.length === 0) || skipOnly;
  return {
    hasArgoHookAnnotation,
    argoTokens,
    invalidArgoTokens,
    helmTokens,
    phases,
    isHook: isHookAnnotated && phases.length > 0,
    neverApplied,
    fromHelm,
  };
}

export interface DeletePolicyInfo {
  /** Valid policies written on the resource (Argo CD's and Helm's, unioned as gitops-engine does). */
  explicit: ArgoDeletePolicy[];
  invalidArgoTokens: string[];
  invalidHelmTokens: string[];
  /** What Argo CD applies: the explicit ones, else BeforeHookCreation (the default since v1.3.1/v1.4). */
  effective: ArgoDeletePolicy[];
}

export function readDeletePolicies(annotations: ReadonlyMap<string, string>): DeletePolicyInfo {
  const argoTokens = splitCsv(annotations.get(ANNOTATION.hookDeletePolicy));
  const helmTokens = splitCsv(annotations.get(ANNOTATION.helmHookDeletePolicy));
  const explicit = new Set<ArgoDeletePolicy>();
  const invalidArgoTokens: string[] = [];
  const invalidHelmTokens: string[] = [];
  for (const token of argoTokens) {
    if (isArgoDeletePolicy(token)) explicit.add(token);
    else invalidArgoTokens.push(token);
  }
  for (const token of helmTokens) {
    const mapped = HELM_DELETE_POLICIES[token];
    if (mapped) explicit.add(mapped);
    else invalidHelmTokens.push(token);
  }
  const list = [...explicit];
  return {
    explicit: list,
    invalidArgoTokens,
    invalidHelmTokens,
    effective: list.length > 0 ? list : ["BeforeHookCreation"],
  };
}

export function hasOption(options: readonly string[], option: string): boolean {
  return options.includes(option);
}

/**
 * Finds the valid token a mistyped one evidently means: same letters ignoring case, dashes, underscores and spaces.
 * @example evidentToken("pre-sync", ARGO_HOOK_TYPES) === "PreSync"
 */
export function evidentToken(token: string, valid: readonly string[]): string | null {
  const normalise = (text: string) => text.toLowerCase().replace(/[-_\s]/g, "");
  const wanted = normalise(token);
  return valid.find((candidate) => normalise(candidate) === wanted) ?? null;
}

/** The wave as Argo CD reads it: the sync-wave annotation if it is an integer, else helm.sh/hook-weight; null if neither. */
export function syncWaveOf(annotations: ReadonlyMap<string, string>): number | null {
  for (const key of [ANNOTATION.syncWave, "helm.sh/hook-weight"]) {
    const value = annotations.get(key)?.trim() ?? "";
    if (/^[-+]?\d+$/.test(value)) return Number.parseInt(value, 10);
  }
  return null;
}
