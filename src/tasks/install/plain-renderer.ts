import { ListrTaskEventType, ListrTaskState, type ListrRenderer, type ListrTaskMessage } from 'listr2';
import { createPalette, type Palette } from '../../ui/colors.js';

type RendererTask = ConstructorParameters<typeof ListrRenderer>[0][number];

export interface PlainRendererOptions {
  write: (text: string) => void;
  palette: Palette;
}

const fallbackOptions: PlainRendererOptions = {
  write: (text) => process.stdout.write(text),
  palette: createPalette(false),
};

function isPlainOptions(options: Record<PropertyKey, unknown>): boolean {
  return typeof options.write === 'function' && typeof options.palette === 'object' && options.palette !== null;
}

/**
 * One line per finished step (and per line of output a step gives while it runs): no spinner, no cursor
 * movement. For logs, pipes and CI, where the default renderer's redrawing would be noise.
 */
export class PlainRenderer {
  static nonTTY = true;
  static rendererOptions: Record<PropertyKey, unknown> = {};
  static rendererTaskOptions: Record<PropertyKey, unknown> = {};

  private readonly options: PlainRendererOptions;

  constructor(
    private readonly tasks: RendererTask[],
    options: Record<PropertyKey, unknown>,
  ) {
    this.options = isPlainOptions(options) ? (options as unknown as PlainRendererOptions) : fallbackOptions;
  }

  render(): void {
    this.follow(this.tasks, 0);
  }

  end(): void {}

  private line(depth: number, text: string): void {
    this.options.write(`${'  '.repeat(depth)}${text}\n`);
  }

  private follow(tasks: readonly RendererTask[], depth: number): void {
    const { palette } = this.options;
    for (const task of tasks) {
      let lastOutput: string | undefined;
      task.on(ListrTaskEventType.SUBTASK, (subtasks: RendererTask[]) => this.follow(subtasks, depth + 1));
      task.on(ListrTaskEventType.OUTPUT, (output: string) => {
        for (const line of output.split('\n').filter((text) => text.trim() !== '')) {
          if (line === lastOutput) continue;
          lastOutput = line;
          this.line(depth + 1, palette.dim(line));
        }
      });
      task.on(ListrTaskEventType.STATE, (state: ListrTaskState) => {
        if (!task.hasTitle()) return;
        if (state === ListrTaskState.COMPLETED) this.line(depth, `${palette.ok('✔')} ${task.title ?? ''}`);
      });
      task.on(ListrTaskEventType.MESSAGE, (message: ListrTaskMessage) => {
        if (!task.hasTitle()) return;
        if (message.error !== undefined) {
          // A parent fails with its first failed subtask's words, already on that subtask's own line.
          const said = task.hasSubtasks() ? '' : (message.error.split('\n')[0] ?? '');
          const title = task.title ?? '';
          this.line(depth, `${palette.fail('✖')} ${title}${said && said !== title ? `: ${said}` : ''}`);
        } else if (message.skip !== undefined) {
          const title = task.title ?? '';
          this.line(depth, `${palette.warn('↓')} ${title}${message.skip !== title ? `: ${message.skip}` : ''}`);
        }
      });
    }
  }
}
