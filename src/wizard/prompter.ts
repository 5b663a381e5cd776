import { CancelledError } from '../errors.js';

/** The four kinds of question the wizard asks; the terminal implementation is @inquirer/prompts. */
export interface Choice<V> {
  value: V;
  name: string;
  description?: string;
}

export type Validate = (text: string) => true | string;

export interface Prompter {
  input(config: { message: string; default?: string; validate: Validate }): Promise<string>;
  select<V>(config: { message: string; choices: readonly Choice<V>[]; default?: V }): Promise<V>;
  confirm(config: { message: string; default: boolean }): Promise<boolean>;
  /** Masked as it is typed; never echoed. */
  password(config: { message: string; validate: Validate }): Promise<string>;
}

export const cancelledMessage = 'Cancelled, nothing was changed';

/** Ctrl-C at a prompt (inquirer's ExitPromptError) is the person cancelling: exit 130 with one line. */
export function asCancelled(error: unknown): unknown {
  return error instanceof Error && error.name === 'ExitPromptError' ? new CancelledError(cancelledMessage) : error;
}

const plain = (text: string): string => text;

/** inquirer colours with its own library; without colour every style is the text itself. */
function plainTheme() {
  return {
    prefix: { idle: '?', done: '✔' },
    spinner: { interval: 80, frames: ['-', '\\', '|', '/'] },
    style: {
      answer: plain,
      message: plain,
      error: (text: string) => `> ${text}`,
      defaultAnswer: (text: string) => `(${text})`,
      help: plain,
      highlight: plain,
      key: (text: string) => `<${text}>`,
      description: plain,
      disabled: (text: string) => `- ${text}`,
      keysHelpTip: (keys: [string, string][]) => keys.map(([key, action]) => `${key} ${action}`).join(' • '),
    },
  };
}

/** The terminal prompts, imported only when the first one is asked (they are the heaviest import of a run). */
export async function inquirerPrompter(options: { color: boolean }): Promise<Prompter> {
  const prompts = await import('@inquirer/prompts');
  const theme = options.color ? {} : { theme: plainTheme() };
  const cancellable = async <T>(ask: () => Promise<T>): Promise<T> => {
    try {
      return await ask();
    } catch (error) {
      throw asCancelled(error);
    }
  };
  return {
    input: (config) => cancellable(() => prompts.input({ ...config, ...theme })),
    select: <V>(config: { message: string; choices: readonly Choice<V>[]; default?: V }) =>
      cancellable(() => prompts.select<V>({ message: config.message, choices: [...config.choices], pageSize: 10, ...(config.default === undefined ? {} : { default: config.default }), ...theme })),
    confirm: (config) => cancellable(() => prompts.confirm({ ...config, ...theme })),
    password: (config) => cancellable(() => prompts.password({ ...config, mask: '*', ...theme })),
  };
}
