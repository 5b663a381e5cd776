/** Exit codes, as DESIGN.md lists them. */
export const ExitCode = {
  ok: 0,
  failed: 1,
  usage: 2,
  cancelled: 130,
} as const;

/** Bad usage or bad input: one line naming the source, the bad value and what is accepted. Exit 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly exitCode = ExitCode.usage;
}

/** A failure that has already been explained to the user (diagnostics shown). Exit 1. */
export class ReportedFailure extends Error {
  override readonly name = 'ReportedFailure';
  readonly exitCode = ExitCode.failed;
}

/** The user cancelled (Ctrl-C, or chose Cancel). Exit 130. */
export class CancelledError extends Error {
  override readonly name = 'CancelledError';
  readonly exitCode = ExitCode.cancelled;
}

export function exitCodeOf(error: unknown): number {
  if (error instanceof UsageError || error instanceof ReportedFailure || error instanceof CancelledError) {
    return error.exitCode;
  }
  return ExitCode.failed;
}
