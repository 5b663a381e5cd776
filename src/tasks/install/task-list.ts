import { Listr, type ListrTask } from 'listr2';
import type { Palette } from '../../ui/colors.js';
import { PlainRenderer, type PlainRendererOptions } from './plain-renderer.js';

/** How the task list is drawn: redrawn in place in a terminal, or one plain line per step. */
export interface TaskListLook {
  plain: boolean;
  write: (text: string) => void;
  palette: Palette;
}

/** Plain lines outside a terminal, with CI set, or with --verbose (whose command lines would break a redrawn list). */
export function wantsPlainOutput(options: { isTTY: boolean; env: Readonly<Record<string, string | undefined>>; verbose: boolean }): boolean {
  const ci = options.env.CI;
  const inCi = ci !== undefined && ci !== '' && ci !== 'false' && ci !== '0';
  return !options.isTTY || inCi || options.verbose;
}

export interface TaskList<Ctx> {
  run(context: Ctx): Promise<Ctx>;
}

/** The tasks in order (Ctrl-C is this program's to handle, not listr's). */
export function taskList<Ctx>(tasks: ListrTask<Ctx>[], look: TaskListLook): TaskList<Ctx> {
  const plainOptions: PlainRendererOptions = { write: look.write, palette: look.palette };
  if (look.plain) {
    return new Listr<Ctx, typeof PlainRenderer, typeof PlainRenderer>(tasks, {
      renderer: PlainRenderer,
      rendererOptions: { ...plainOptions },
      fallbackRenderer: PlainRenderer,
      fallbackRendererOptions: { ...plainOptions },
      registerSignalListeners: false,
      exitOnError: true,
    });
  }
  return new Listr<Ctx, 'default', typeof PlainRenderer>(tasks, {
    renderer: 'default',
    rendererOptions: { collapseSubtasks: false, collapseSkips: false, showErrorMessage: false, removeEmptyLines: true },
    fallbackRenderer: PlainRenderer,
    fallbackRendererOptions: { ...plainOptions },
    registerSignalListeners: false,
    exitOnError: true,
  });
}
