import { describe, expect, it } from "@jest/globals";
import { scanRepository } from "../../src/engine/scan.js";
import { RULES } from "../../src/rules/index.js";

/**
 * A suppression silences exactly the rules it names, on exactly the Job it is written on. The Job here gets
 * ttl-on-plain-job; suppressing that rule leaves it to plain-job, the next of its family.
 */
function rulesOn(content: string): string[] {
  return scanRepository({ rules: RULES, files: [{ path: "job.yaml", content }] }).findings.map((f) => f.rule);
}

const job = (before = "", metadataLine = "metadata:", annotations = "") => `${before}apiVersion: batch/v1
kind: Job
${metadataLine}
  name: migrate
${annotations}spec:
  ttlSecondsAfterFinished: 60
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: main
          image: busybox
`;

const aboveKind = (comment: string) => job().replace("kind: Job\n", `${comment}\nkind: Job\n`);

describe("suppressing a finding", () => {
  it("the Job unsuppressed gets its finding (the control case)", () => {
    expect(rulesOn(job())).toEqual(["ttl-on-plain-job"]);
  });

  it.each([
    [
      "the annotation naming the rule",
      job("", "metadata:", "  annotations:\n    argocd-job-guard.io/ignore: ttl-on-plain-job\n"),
    ],
    [
      "the annotation listing it among others, spaced",
      job("", "metadata:", '  annotations:\n    argocd-job-guard.io/ignore: "plain-job, ttl-on-plain-job"\n'),
    ],
    ["the annotation `all`", job("", "metadata:", "  annotations:\n    argocd-job-guard.io/ignore: all\n")],
    ["a comment on the line above `kind:`", aboveKind("# argocd-job-guard ignore ttl-on-plain-job")],
    [
      "a comment at the end of the `metadata:` line",
      job("", "metadata: # argocd-job-guard ignore ttl-on-plain-job"),
    ],
    [
      "a comment listing ids with commas and spaces",
      job("", "metadata: # argocd-job-guard ignore plain-job, ttl-on-plain-job"),
    ],
    [
      "a comment listing ids with spaces only",
      job("", "metadata: #argocd-job-guard  ignore plain-job ttl-on-plain-job"),
    ],
    ["a comment saying all", job("", "metadata: # argocd-job-guard ignore all")],
  ])("%s silences it", (_label, content) => {
    expect(rulesOn(content)).not.toContain("ttl-on-plain-job");
  });

  it.each([
    [
      "an annotation naming another rule",
      job("", "metadata:", "  annotations:\n    argocd-job-guard.io/ignore: plain-job\n"),
    ],
    ["a comment naming another rule", job("", "metadata: # argocd-job-guard ignore plain-job")],
    ["a comment two lines above `kind:`", aboveKind("# argocd-job-guard ignore ttl-on-plain-job\n")],
    [
      "a comment below the `metadata:` line",
      job("", "metadata:\n  # argocd-job-guard ignore ttl-on-plain-job"),
    ],
    [
      "a comment whose keyword is not the word ignore",
      job("", "metadata: # argocd-job-guard ignored ttl-on-plain-job"),
    ],
    ["a comment with a rule id's prefix only", job("", "metadata: # argocd-job-guard ignore ttl-on-plain")],
  ])("%s does not", (_label, content) => {
    expect(rulesOn(content)).toEqual(["ttl-on-plain-job"]);
  });

  it("a comment on the first line of the file, above `kind:` on the second, silences it", () => {
    const content = job().replace(
      "apiVersion: batch/v1\nkind: Job\n",
      "# argocd-job-guard ignore ttl-on-plain-job\nkind: Job\napiVersion: batch/v1\n",
    );

    expect(rulesOn(content)).not.toContain("ttl-on-plain-job");
  });

  it("a comment at the end of a `metadata:` line that is the file's last, without a newline, silences it", () => {
    const content =
      job().replace("metadata:\n  name: migrate\n", "") +
      "metadata: {name: migrate} # argocd-job-guard ignore ttl-on-plain-job";

    expect(rulesOn(content)).not.toContain("ttl-on-plain-job");
  });

  it("a comma right after `ignore` still starts the list", () => {
    expect(rulesOn(job("", "metadata: # argocd-job-guard ignore,ttl-on-plain-job"))).not.toContain(
      "ttl-on-plain-job",
    );
  });

  it("with `kind:` on the first line there is no line above it: a comment elsewhere in the Job silences nothing", () => {
    const content = job()
      .replace("apiVersion: batch/v1\nkind: Job\n", "kind: Job\napiVersion: batch/v1\n")
      .replace("- name: main\n", "- name: main # argocd-job-guard ignore ttl-on-plain-job\n");

    expect(rulesOn(content)).toEqual(["ttl-on-plain-job"]);
  });

  it("a comment at the end of the file silences no Job, not even one whose kind and metadata come from a merge key", () => {
    // The second item writes neither `kind:` nor `metadata:`: there is no line to look at for it, not some other.
    const item = job()
      .trimEnd()
      .split("\n")
      .map((line, i) => (i === 0 ? `  - &base\n    ${line}` : `    ${line}`))
      .join("\n");
    const content = `apiVersion: v1\nkind: List\nitems:\n${item}\n  - <<: *base\n# argocd-job-guard ignore ttl-on-plain-job\n# argocd-job-guard ignore ttl-on-plain-job`;

    expect(rulesOn(content)).toEqual(["ttl-on-plain-job", "ttl-on-plain-job"]);
  });

  it("a suppressed rule of the plain-Job family leaves the Job to the next one: the Job is still plain", () => {
    expect(rulesOn(job("", "metadata: # argocd-job-guard ignore ttl-on-plain-job"))).toEqual(["plain-job"]);
  });

  it("a comment above one Job of a file does not silence the next", () => {
    const content = `${aboveKind("# argocd-job-guard ignore ttl-on-plain-job")}---\n${job().replace("migrate", "other")}`;

    const findings = scanRepository({ rules: RULES, files: [{ path: "job.yaml", content }] }).findings;

    expect(findings.filter((f) => f.rule === "ttl-on-plain-job").map((f) => f.name)).toEqual(["other"]);
  });
});
