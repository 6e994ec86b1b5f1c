/** Exit codes (DESIGN.md): 0 nothing at or above --fail-on, 1 findings at or above it, 2 usage or input error. */
export const EXIT_CLEAN = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_USAGE_OR_INPUT = 2;

/** Findings outrank input errors: "you were hit" matters more than "a file was unreadable". */
export function exitCode(hasFindingsAtThreshold: boolean, hasInputErrors: boolean): number {
  if (hasFindingsAtThreshold) return EXIT_FINDINGS;
  if (hasInputErrors) return EXIT_USAGE_OR_INPUT;
  return EXIT_CLEAN;
}

/** A usage mistake: reported in one line, exit 2. */
export class UsageError extends Error {}
