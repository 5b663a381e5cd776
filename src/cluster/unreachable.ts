import { CommandFailedError } from './runner.js';

// What kubectl and helm say when the API server itself went away (not a slow release).
const unreachable = /cluster unreachable|connection refused|connection to the server \S+ was refused|no route to host|i\/o timeout|Unable to connect to the server|TLS handshake timeout/i;

/** The API server stopped answering while the step ran: the words of the refused connection, or undefined. */
export function apiServerGone(error: unknown): string | undefined {
  if (!(error instanceof CommandFailedError)) return undefined;
  const line = [...error.stderrTail, error.summary].find((text) => unreachable.test(text));
  return line === undefined ? undefined : (/Get "([^"]+)"[^:]*: (.+)$/.exec(line)?.slice(1).join(': ') ?? line.replace(/^Error: /, ''));
}
