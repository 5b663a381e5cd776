import type { GlobalOptions } from '../options.js';
import { paletteFor, type Palette } from '../ui/colors.js';
import { readKubeIdentity, type KubeIdentity } from './kubeconfig.js';
import { welcomeLines } from './welcome.js';

/**
 * The welcome screen and the first question, drawn before the prompt library and the answers model load:
 * the person reads and can start typing at once (keys wait in the terminal, unechoed, until the prompt
 * takes over and redraws the question in place). Imports nothing heavy.
 */
export interface FirstFrame {
  identity: KubeIdentity;
  palette: Palette;
  /** The lines said ahead of the questions (section title, explanation): not said twice. */
  saidAhead: string[];
  /** Erases the question drawn ahead, right before the real prompt draws itself there. */
  takeOver(): void;
}

/** What the first question shows (a test keeps them equal to the schema's default and description). */
export const firstQuestions = {
  release: { message: 'Release name', default: 'mlflow', explanation: 'Helm release name; it prefixes the names of everything installed.' },
  namespace: { message: 'Namespace', default: 'mlflow', explanation: 'Kubernetes namespace to install into (created when missing).' },
} as const;

type FirstKey = keyof typeof firstQuestions;

/** The first question when the flags alone tell it (a preset may answer release or namespace: then none is drawn ahead). */
export function firstQuestion(options: Pick<GlobalOptions, 'release' | 'namespace' | 'set' | 'preset'>): FirstKey | undefined {
  if (options.preset !== undefined) return undefined;
  const setBy = (key: FirstKey) => options[key] !== undefined || options.set.some((flag) => flag.startsWith(`${key}=`));
  return (['release', 'namespace'] as const).find((key) => !setBy(key));
}

export interface FrameOutput {
  write(text: string): void;
  isTTY?: boolean;
}

export interface FrameInput {
  isTTY?: boolean;
  setRawMode?(mode: boolean): unknown;
}

export async function drawFirstFrame(
  options: Pick<GlobalOptions, 'release' | 'namespace' | 'set' | 'preset' | 'kubeconfig' | 'context' | 'color'>,
  env: Readonly<Record<string, string | undefined>>,
  output: FrameOutput = process.stdout,
  input: FrameInput = process.stdin,
): Promise<FirstFrame> {
  const palette = paletteFor(options, output);
  const identity = await readKubeIdentity({ ...(options.kubeconfig ? { kubeconfig: options.kubeconfig } : {}), ...(options.context ? { context: options.context } : {}), env });
  const preset = options.preset === undefined ? {} : { preset: options.preset };
  const given = options.preset !== undefined || options.set.length > 0 || options.release !== undefined || options.namespace !== undefined;
  const welcome = welcomeLines({ identity, ...preset, given }, palette);
  const key = firstQuestion(options);
  const saidAhead = key === undefined ? [] : ['', palette.bold('Release'), palette.dim(`  ${firstQuestions[key].explanation}`)];
  let text = `${[...welcome, ...saidAhead].join('\n')}\n`;
  let pending = false;
  if (key !== undefined && input.isTTY && output.isTTY) {
    const question = firstQuestions[key];
    // As @inquirer/input draws it: prefix, message, default.
    text += palette.enabled ? `\u001b[34m?\u001b[39m \u001b[1m${question.message}\u001b[22m \u001b[2m(${question.default})\u001b[22m ` : `? ${question.message} (${question.default}) `;
    input.setRawMode?.(true);
    pending = true;
  }
  output.write(text);
  return {
    identity,
    palette,
    saidAhead,
    takeOver: () => {
      if (!pending) return;
      pending = false;
      output.write('\r\u001b[2K');
    },
  };
}
