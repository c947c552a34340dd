// `npm run demo`: the app, running for real against a local GitHub, on a copy of examples/gitops-repo. No GitHub
// account and no network: the local GitHub serves git repositories on disk on 127.0.0.1, and the app is the real
// server (dist/server.js) configured by its environment, as `npm start` runs it.
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { generateAppKey, startAppProcess, type AppProcess } from "./local-github/app-process.js";
import { LocalGitHub, type CheckRun } from "./local-github/server.js";

const REPO = "example-org/gitops-repo";
const BRANCH = "bump-shop-api";
const REVIEW_BRANCH = "add-cleanup-job";
const CLEANUP_JOB = "apps/shop-api/cleanup-job.yaml";
const JOB = "apps/shop-api/db-migrate-job.yaml";
const SECRET = "demo-webhook-secret";
const EXAMPLES = join(import.meta.dirname, "..", "..", "examples", "gitops-repo");
const useColor = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code: string) => (text: string) => (useColor ? `\x1b[${code}m${text}\x1b[0m` : text);
const bold = paint("1");
const dim = paint("2");
const red = paint("31");
const green = paint("32");
const started = performance.now();

function step(text: string): void {
  const seconds = ((performance.now() - started) / 1000).toFixed(1).padStart(5);
  console.log(`\n${dim(`[${seconds} s]`)} ${bold(text)}`);
}

function indent(text: string, prefix = "    "): string {
  return text
    .split("\n")
    .map((line) => `${prefix}${line}`)
    .join("\n");
}

function colorDiff(diff: string): string {
  return diff
    .split("\n")
    .map((line) =>
      line.startsWith("+") && !line.startsWith("+++")
        ? green(line)
        : line.startsWith("-") && !line.startsWith("---")
          ? red(line)
          : line,
    )
    .join("\n");
}

function printCheckRun(run: CheckRun): void {
  console.log(`  ${bold(run.name)}: ${run.conclusion ?? run.status}, "${run.output.title ?? ""}"`);
  for (const annotation of run.annotations) {
    const { path, start_line, annotation_level, title, message } = annotation as Record<
      string,
      string | undefined
    >;
    console.log(`  ${annotation_level === "failure" ? red("✖") : "⚠"} ${path}:${start_line}  ${title ?? ""}`);
    console.log(indent((message ?? "").split("\n")[0] ?? "", "      "));
  }
  if (run.actions.length > 0) console.log(`  button: [${run.actions.map((a) => a.label).join("] [")}]`);
}

async function main(): Promise<void> {
  const privateKey = generateAppKey();
  const github = await LocalGitHub.start({ app: { id: 1, slug: "argocd-job-guard", privateKey } });
  let app: AppProcess | null = null;
  try {
    step(`A local GitHub on ${github.apiUrl}, holding ${REPO} (a copy of examples/gitops-repo)`);
    await github.createRepository(REPO, { from: EXAMPLES, permissions: { alice: "write" } });
    app = await startAppProcess({
      appId: 1,
      privateKey,
      webhookSecret: SECRET,
      githubHost: github.host,
    });
    github.setWebhook({ url: app.webhookUrl, secret: SECRET });
    console.log(`  the app (node dist/server.js) listens on ${app.webhookUrl}`);

    step(`alice pushes ${BRANCH}: the shop-api migration Job's image, 1.4.2 → 1.5.0`);
    const before = (await github.fileAt(REPO, "main", JOB)) ?? "";
    const push = await github.commit(
      REPO,
      BRANCH,
      { [JOB]: before.replace("shop-api:1.4.2", "shop-api:1.5.0") },
      "Bump shop-api to 1.5.0",
    );
    await github.deliver("push", await github.pushPayload(REPO, { branch: BRANCH, ...push }));
    const run = await github.waitFor(
      () =>
        github.repository(REPO).checkRuns.find((r) => r.head_sha === push.after && r.status === "completed"),
      30_000,
      "the check run",
    );
    step(`The check run on ${push.after.slice(0, 7)}`);
    printCheckRun(run);

    step('alice presses "Open fix PR"');
    await github.deliver(
      "check_run",
      github.checkRunPayload(REPO, run.id, {
        action: "requested_action",
        identifier: "open-fix-pr",
        sender: "alice",
        branch: BRANCH,
      }),
    );
    const pull = await github.waitFor(
      () => github.repository(REPO).pulls.find((p) => p.head === `argocd-job-guard/${BRANCH}`),
      30_000,
      "the fix pull request",
    );
    const repository = github.repository(REPO);
    const diff = await repository.git.text(["diff", `refs/heads/${pull.base}...refs/heads/${pull.head}`]);
    step(
      `Fix pull request #${pull.number} by ${pull.user.login}: "${pull.title}" (${pull.head} → ${pull.base})`,
    );
    console.log(indent(colorDiff(diff), "  "));

    step(`alice adds a cleanup Job on ${REVIEW_BRANCH} and opens a pull request to main`);
    const cleanup = before.replace(/db-migrate/g, "cleanup").replace("shop-api:1.4.2", "shop-api:1.5.0");
    await github.commit(REPO, REVIEW_BRANCH, { [CLEANUP_JOB]: cleanup }, "Add a cleanup Job");
    const mine = github.openPullRequest(REPO, {
      head: REVIEW_BRANCH,
      base: "main",
      title: "Add a cleanup Job",
    });
    const answer = await github.deliver(
      "pull_request",
      await github.pullRequestPayload(REPO, mine.number, "opened"),
    );
    const answered = () =>
      repository.reviews.find((r) => r.pull_number === mine.number) ??
      repository.issueComments.find((c) => c.issue_number === mine.number);
    // An app that does not review pull requests answers the delivery at once with nothing posted.
    await github.waitFor(answered, answer.status === 202 ? 30_000 : 5_000, "the review").catch(() => null);
    const review = repository.reviews.find((r) => r.pull_number === mine.number);
    if (review) {
      step(`The review of #${mine.number} by ${review.user.login} (${review.state})`);
      console.log(indent(review.body, "  "));
      for (const comment of repository.reviewComments.filter((c) => c.pull_request_review_id === review.id)) {
        console.log(
          `\n  on ${comment.path}, line${comment.start_line ? `s ${comment.start_line}-` : " "}${comment.line ?? "?"}:`,
        );
        console.log(indent(comment.body, "    "));
      }
    }
    const summary = repository.issueComments.find((c) => c.issue_number === mine.number);
    if (summary) {
      step(`The summary comment on #${mine.number} (edited in place on later pushes)`);
      console.log(
        indent(
          summary.body
            .replace(/^<!--.*-->\n+/, "")
            .split("\n<details>")[0]
            ?.trim() ?? "",
          "  ",
        ),
      );
    }
    if (!review && !summary)
      console.log("  no review: this version of the app does not review pull requests.");

    if (github.violations.length > 0)
      throw new Error(`calls GitHub would refuse:\n${github.violations.join("\n")}`);
    step(`Done: ${github.requests.length} API requests, all of them valid for GitHub's OpenAPI description`);
  } finally {
    await app?.stop();
    await github.close();
  }
}

try {
  await main();
} catch (error) {
  console.error(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
