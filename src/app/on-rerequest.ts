import type { Context } from "probot";
import { publishCheckRun } from "../github/check-run-publisher.js";
import { RepoSource, type RepoRef } from "../github/repo-source.js";
import { renderConfigErrorReport, renderNoManifestsReport } from "../render/check-run.js";
import { loadRepoConfig, type LoadedConfig } from "./load-config.js";
import { scanAndPublish } from "./on-push.js";
import { isManifest, ZERO_SHA } from "./scan-commit.js";

interface SuiteCommit {
  head_sha?: string | null;
  before?: string | null;
}

/** "Re-run all checks" on the check suite: scan the commit again and publish a new check run. */
export async function onCheckSuiteRerequested(context: Context<"check_suite.rerequested">): Promise<void> {
  const { repository } = context.payload;
  await rescan(context, context.payload.check_suite, repository.html_url, repository.default_branch);
}

/** "Re-run" on our check run: scan the commit again and publish a new check run. */
export async function onCheckRunRerequested(context: Context<"check_run.rerequested">): Promise<void> {
  const { repository } = context.payload;
  await rescan(
    context,
    context.payload.check_run.check_suite,
    repository.html_url,
    repository.default_branch,
  );
}

async function rescan(
  context: { octokit: Context["octokit"]; repo: () => RepoRef; config: Context["config"] },
  suite: SuiteCommit,
  repoUrl: string,
  defaultBranch: string,
): Promise<void> {
  const headSha = suite.head_sha ?? "";
  if (headSha === "") return;
  const before = typeof suite.before === "string" && !ZERO_SHA.test(suite.before) ? suite.before : null;
  const ref = context.repo();
  const comparison = await new RepoSource(context.octokit, ref).compare(before ?? defaultBranch, headSha);
  const changed = comparison.files;
  const loaded: LoadedConfig = await loadRepoConfig(context);
  if (!loaded.ok) {
    await publishCheckRun(context.octokit, ref, headSha, renderConfigErrorReport(loaded.file, loaded.errors));
    return;
  }
  if (!changed.some((file) => isManifest(file.path))) {
    await publishCheckRun(context.octokit, ref, headSha, renderNoManifestsReport());
    return;
  }
  await scanAndPublish(
    context.octokit,
    ref,
    repoUrl,
    { headSha, baseSha: before, changed, changedListComplete: comparison.complete },
    loaded.config,
  );
}
