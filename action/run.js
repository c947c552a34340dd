#!/usr/bin/env node
/**
 * The Action's scan step: action.yml runs this file with the inputs as INPUT_* variables, in the environment GitHub
 * gives a step (GITHUB_WORKSPACE, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, RUNNER_TEMP). It lives in a file of its own,
 * not inline in action.yml, so that a test can run it as the runner does.
 *
 * It runs the committed CLI bundle (nothing to install) twice on the same inputs: SARIF, which gives the counts, the
 * job summary and the file the upload step sends, then GitHub workflow commands, the annotations, whose exit code
 * is the step's. The CLI writes paths relative to the root it scans; GitHub reads them relative to the workspace,
 * so when `path` is a subdirectory both outputs are prefixed with it.
 */
import { spawnSync } from "node:child_process";
import { appendFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { isAbsolute, join, relative, resolve, sep } from "node:path";
import process from "node:process";
import { URL, fileURLToPath } from "node:url";

const CLI = fileURLToPath(new URL("../dist/bundle/argocd-job-guard.mjs", import.meta.url));
const FULL_SHA = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/i;
/** GitHub's `before` on the push that creates a branch: there is nothing to compare with. */
const NULL_SHA = /^0+$/;
const LEVEL_TO_SEVERITY = { error: "error", warning: "warning", note: "info" };
/** A job summary is capped at 1 MiB by GitHub; a table this long is read through the SARIF alerts anyway. */
const MAX_SUMMARY_ROWS = 200;
const SARIF_FILE_NAME = "argocd-job-guard.sarif";

class InputError extends Error {}

process.exitCode = run(process.env);

function run(env) {
  const workspace = resolve(env.GITHUB_WORKSPACE || process.cwd());
  const root = resolve(workspace, env.INPUT_PATH || ".");
  const prefix = workspacePrefix(workspace, root);
  try {
    const args = ["scan", root, "--fail-on", env.INPUT_FAIL_ON || "error"];
    const base = resolveBase((env.INPUT_BASE ?? "").trim(), root);
    if (base !== null) args.push("--base", base);
    if (env.INPUT_CONFIG) args.push("--config", resolve(workspace, env.INPUT_CONFIG));

    const sarifRun = cli([...args, "--format", "sarif"], workspace);
    if (sarifRun.status !== 0 && sarifRun.status !== 1) return failed(sarifRun);
    const sarif = JSON.parse(sarifRun.stdout);
    prefixSarif(sarif, prefix);
    const sarifFile = join(env.RUNNER_TEMP || tmpdir(), SARIF_FILE_NAME);
    writeFileSync(sarifFile, `${JSON.stringify(sarif, null, 2)}\n`);

    const githubRun = cli([...args, "--format", "github"], workspace);
    if (githubRun.status !== 0 && githubRun.status !== 1) return failed(githubRun);
    process.stdout.write(prefixCommands(githubRun.stdout, prefix));

    const results = sarifResults(sarif);
    const counts = { error: 0, warning: 0, info: 0 };
    for (const result of results) counts[result.severity] += 1;
    setOutputs(env, {
      findings: results.length,
      errors: counts.error,
      warnings: counts.warning,
      "sarif-file": sarifFile,
    });
    if (env.GITHUB_STEP_SUMMARY)
      appendFileSync(env.GITHUB_STEP_SUMMARY, summary(env, results, counts, sarif, { root: prefix, base }));
    return githubRun.status;
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    process.stdout.write(`::error title=argocd-job-guard::${escapeData(error.message)}\n`);
    return 2;
  }
}

/** `path` as GitHub names files: relative to the workspace, with `/`, ending in `/` (empty for the workspace). */
function workspacePrefix(workspace, root) {
  const rel = relative(workspace, root);
  if (rel === "") return "";
  if (rel.startsWith("..") || isAbsolute(rel)) {
    process.stdout.write(
      `::warning title=argocd-job-guard::${escapeData(`path ${root} is outside GITHUB_WORKSPACE: annotations and SARIF locations stay relative to it, and GitHub may not place them`)}\n`,
    );
    return "";
  }
  return `${rel.split(sep).join("/")}/`;
}

/**
 * The ref the CLI compares with. A full SHA (`github.event.before`) is used as it is, fetched when the checkout
 * lacks it; any other name is first asked of origin as a branch (`github.base_ref`), so the comparison is with the
 * branch as it is now, and otherwise taken as a ref the checkout already has (a tag, `origin/main`, `HEAD~1`).
 */
function resolveBase(base, root) {
  if (base === "") return null;
  if (NULL_SHA.test(base)) {
    process.stdout.write(
      `::notice title=argocd-job-guard::${escapeData("base is the null commit (a push that created the branch): nothing to compare with")}\n`,
    );
    return null;
  }
  if (base.startsWith("-")) throw new InputError(`base "${base}" is not a commit or a branch`);
  // The CLI compares from the merge base of HEAD and the base, which needs their history: a shallow clone
  // (actions/checkout's default) gets the whole of it once; a complete one is never made shallow.
  const shallow = git(root, ["rev-parse", "--is-shallow-repository"]).stdout.trim() === "true";
  const fetch = (refspec) =>
    git(root, ["fetch", "--no-tags", "--quiet", ...(shallow ? ["--unshallow"] : []), "origin", refspec])
      .status === 0;
  const hasCommit = (ref) => git(root, ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`]).status === 0;
  if (FULL_SHA.test(base)) {
    if (shallow || !hasCommit(base)) fetch(base);
    if (!hasCommit(base)) throw new InputError(`base ${base}: no such commit in the checkout, nor on origin`);
    return base;
  }
  if (fetch(`+refs/heads/${base}:refs/remotes/origin/${base}`)) return `origin/${base}`;
  if (hasCommit(base)) return base;
  throw new InputError(`base "${base}": neither a branch of origin nor a commit of the checkout`);
}

function git(cwd, args) {
  return spawnSync("git", args, { cwd, encoding: "utf8" });
}

function cli(args, cwd) {
  const result = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: "utf8", maxBuffer: 1024 ** 3 });
  if (result.error) throw result.error;
  if (result.stderr) process.stderr.write(result.stderr);
  return result;
}

/** Exit code 2 (usage, unreadable path, invalid configuration) fails the step: no SARIF, no outputs. */
function failed(result) {
  const reason =
    result.stderr.trim() || `the CLI ended with ${result.signal ?? `exit code ${result.status}`}`;
  process.stdout.write(`::error title=argocd-job-guard::${escapeData(reason)}\n`);
  return typeof result.status === "number" && result.status > 1 ? result.status : 2;
}

/** The CLI's workflow commands name files relative to the scanned root: `file=` gets the prefix, escaped alike. */
function prefixCommands(text, prefix) {
  if (prefix === "") return text;
  // Properties are escaped (`:` is %3A), so the first `file=` before the `::` that ends them is the property.
  return text.replace(/^(::[a-z]+ (?:[^:\n]*,)?file=)/gm, `$1${escapeProperty(prefix)}`);
}

/** Every artifact location relative to %SRCROOT% (results, fixes, skipped files) gets the prefix. */
function prefixSarif(node, prefix) {
  if (prefix === "" || node === null || typeof node !== "object") return;
  if (node.uriBaseId === "%SRCROOT%" && typeof node.uri === "string")
    node.uri = `${prefix.split("/").map(encodeURIComponent).join("/")}${node.uri}`;
  for (const value of Object.values(node)) prefixSarif(value, prefix);
}

function sarifResults(sarif) {
  return sarif.runs.flatMap((run) => {
    const rules = run.tool?.driver?.rules ?? [];
    return (run.results ?? []).map((result) => {
      const location = result.locations?.[0]?.physicalLocation;
      return {
        severity: LEVEL_TO_SEVERITY[result.level] ?? "warning",
        rule: result.ruleId,
        helpUri: rules[result.ruleIndex]?.helpUri,
        file: (location?.artifactLocation?.uri ?? "").split("/").map(decodeURIComponent).join("/"),
        line: location?.region?.startLine ?? 1,
        // The summary is a table: the fix, which SARIF appends to the message, is in the annotation and the alert.
        message: (result.message?.text ?? "").split(" Fix: ")[0],
      };
    });
  });
}

function setOutputs(env, outputs) {
  if (!env.GITHUB_OUTPUT) return;
  appendFileSync(
    env.GITHUB_OUTPUT,
    Object.entries(outputs)
      .map(([name, value]) => `${name}=${value}\n`)
      .join(""),
  );
}

function summary(env, results, counts, sarif, { root, base }) {
  const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;
  const where = `${root === "" ? "the repository" : `\`${markdown(root.replace(/\/$/, ""))}\``}${base === null ? "" : `, compared with \`${markdown(base)}\``}`;
  const lines = ["### argocd-job-guard", ""];
  if (results.length === 0) lines.push(`No problems found in ${where}.`);
  else {
    lines.push(
      `${plural(results.length, "finding")} (${plural(counts.error, "error")}, ${plural(counts.warning, "warning")}, ${counts.info} info) in ${where}.`,
      "",
      "| severity | rule | where | message |",
      "| --- | --- | --- | --- |",
    );
    const blob =
      env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY && env.GITHUB_SHA
        ? `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}/blob/${env.GITHUB_SHA}/`
        : null;
    for (const r of results.slice(0, MAX_SUMMARY_ROWS)) {
      const rule = r.helpUri ? `[${markdown(r.rule)}](${r.helpUri})` : markdown(r.rule);
      const place = `${markdown(r.file)}:${r.line}`;
      const link = blob
        ? `[${place}](${blob}${r.file.split("/").map(encodeURIComponent).join("/")}#L${r.line})`
        : place;
      lines.push(`| ${r.severity} | ${rule} | ${link} | ${markdown(r.message)} |`);
    }
    if (results.length > MAX_SUMMARY_ROWS)
      lines.push(
        "",
        `… and ${results.length - MAX_SUMMARY_ROWS} more: see the annotations or the SARIF file.`,
      );
  }
  const skipped = sarif.runs.flatMap((run) =>
    (run.invocations ?? []).flatMap((inv) =>
      (inv.toolExecutionNotifications ?? []).filter((n) => n.locations),
    ),
  );
  if (skipped.length > 0) lines.push("", `${plural(skipped.length, "file")} not analysed: see the warnings.`);
  return `${lines.join("\n")}\n`;
}

/** Repository text (names, messages) shown as text in the summary's markdown, never as markup or HTML. */
function markdown(text) {
  return (
    String(text)
      // eslint-disable-next-line no-control-regex -- control characters are what is being removed
      .replace(/[\u0000-\u001f\u007f-\u009f]/g, " ")
      .replace(/[\\`*_[\]<>|#~&!]/g, "\\$&")
  );
}

/** Escaping of workflow commands, as the runner reads them (actions/toolkit, command.ts). */
function escapeData(text) {
  return text.replaceAll("%", "%25").replaceAll("\r", "%0D").replaceAll("\n", "%0A");
}

function escapeProperty(text) {
  return escapeData(text).replaceAll(":", "%3A").replaceAll(",", "%2C");
}
