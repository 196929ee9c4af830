/** A progress line stamped with the time since the command started: `[02:15] message`. */
export function progress(log: (line: string) => void, now: () => Date): (message: string) => void {
  const start = now().getTime();
  return (message) => {
    const seconds = Math.max(0, Math.round((now().getTime() - start) / 1000));
    const mm = String(Math.floor(seconds / 60)).padStart(2, '0');
    const ss = String(seconds % 60).padStart(2, '0');
    log(`[${mm}:${ss}] ${message}`);
  };
}

/** The message of whatever was thrown, with the AWS error name when there is one. */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    return error.name && error.name !== 'Error' ? `${error.name}: ${error.message}` : error.message;
  }
  return String(error);
}

/** True for the errors IAM answers with. */
export function isAccessDenied(error: unknown): boolean {
  return (
    error instanceof Error &&
    /AccessDenied|UnauthorizedOperation|not authorized/i.test(`${error.name} ${error.message}`)
  );
}
