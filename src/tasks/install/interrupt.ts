import { setMaxListeners } from 'node:events';
import { ExitCode } from '../../errors.js';

export interface InterruptTrap {
  /** Aborted at the first Ctrl-C: the runner stops the running command and starts no other. */
  signal: AbortSignal;
  readonly interrupted: boolean;
  release(): void;
}

/**
 * Ctrl-C (SIGINT, or SIGTERM from a supervisor) stops the running command and lets the pipeline say what was
 * changed. A second one does not wait for that: it says so and exits at once.
 */
export function trapInterrupt(say: (line: string) => void, exit: (code: number) => void = (code) => process.exit(code)): InterruptTrap {
  const controller = new AbortController();
  // Every running command listens on it; a dozen at once during the checks is expected.
  setMaxListeners(0, controller.signal);
  const onSignal = (): void => {
    if (controller.signal.aborted) {
      say('Stopping at once (second Ctrl-C): what was running may be left half-done; rerun the same command to see where things stand.');
      exit(ExitCode.cancelled);
      return;
    }
    say('Ctrl-C: stopping the running command (press Ctrl-C again to quit at once)...');
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    get interrupted() {
      return controller.signal.aborted;
    },
    release() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
