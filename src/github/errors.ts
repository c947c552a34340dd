/** What the app reads of a failed GitHub request: Octokit's RequestError, or anything else that was thrown. */

/** The HTTP status of a failed request, when it got that far. */
export function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === "number" ? status : undefined;
}

/** GitHub puts the useful words of a 422 in the response's `message` or `errors[].message`: all of them, joined. */
export function messageOf(error: unknown): string {
  const response = (error as { response?: { data?: { message?: string; errors?: { message?: string }[] } } })
    ?.response?.data;
  return [
    error instanceof Error ? error.message : "",
    response?.message ?? "",
    ...(response?.errors ?? []).map((e) => e.message ?? ""),
  ].join(" ");
}

/** One line for a person: "HTTP 503: Service Unavailable", or the error's first line when there was no answer. */
export function describeGitHubError(error: unknown): string {
  const status = statusOf(error);
  const message = error instanceof Error ? (error.message.split("\n")[0] ?? "") : String(error);
  return status !== undefined ? `HTTP ${status}: ${message}` : message;
}
