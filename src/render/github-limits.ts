/**
 * GitHub's limits on check runs, as named constants. Past them the API answers 422 Unprocessable Entity.
 */

/** "Only 50 annotations can be sent per request" (checks API: output.annotations, per create or update). */
export const MAX_ANNOTATIONS_PER_REQUEST = 50;

/** output.summary and output.text: "Maximum length: 65535 characters". */
export const MAX_SUMMARY_LENGTH = 65535;

/** output.title is shown in one line; GitHub accepts more, but a long title is cut in the UI. */
export const MAX_TITLE_LENGTH = 255;

/** actions: "A maximum of three actions are accepted"; label "Maximum length: 20 characters". */
export const MAX_ACTIONS = 3;
export const MAX_ACTION_LABEL_LENGTH = 20;
export const MAX_ACTION_DESCRIPTION_LENGTH = 40;
export const MAX_ACTION_IDENTIFIER_LENGTH = 20;

/** annotations[].message and raw_details: "Maximum length: 64 KB" (kept well under). */
export const MAX_ANNOTATION_MESSAGE_LENGTH = 4096;

/** A push payload lists at most 20 commits; past that the compare API gives the changed files. */
export const MAX_PUSH_PAYLOAD_COMMITS = 20;

/** The compare API lists at most 300 files. */
export const MAX_COMPARE_FILES = 300;

/** Blob reads in flight at once: well below GitHub's secondary rate limits on concurrent requests. */
export const BLOB_READ_CONCURRENCY = 4;

export const CHECK_RUN_NAME = "Argo CD Jobs";

/**
 * Line comments in one review. GitHub documents no maximum, but large reviews fail ("403 You have triggered an abuse
 * detection mechanism", 502 on GHES near 100) and bury the pull request: reviewdog's 30, the rest in the summary.
 */
export const MAX_REVIEW_COMMENTS = 30;

/**
 * Issue comments: 422 "Body is too long (maximum is 65536 characters)". Kept well under, as GHES may count
 * differently.
 */
export const MAX_COMMENT_LENGTH = 60_000;
