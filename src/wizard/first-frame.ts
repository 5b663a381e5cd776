import type { GlobalOptions } from '../options.js';
import type { Palette } from '../ui/colors.js';
import { framePalette } from './frame-palette.js';
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
  const palette = framePalette({ color: options.color, env, isTTY: output.isTTY === true });
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

let early: Promise<FirstFrame> | undefined;

/** The frame bin/ drew before the command line was parsed, if it did. */
export function earlyFrame(): Promise<FirstFrame> | undefined {
  return early;
}

const valueFlags = new Set(['--kubeconfig', '--context', '--values-file', '--kubectl', '--helm']);
const plainFlags = new Set(['--no-color', '--verbose']);

/**
 * The frame's options when the command line is a plain interactive install that nothing before the questions
 * can refuse (no subcommand, no --yes, --dry-run, --preset, --set, names or --help); undefined otherwise.
 */
export function earlyFrameOptions(args: readonly string[]): Pick<GlobalOptions, 'kubeconfig' | 'context' | 'color' | 'set'> | undefined {
  const options: Pick<GlobalOptions, 'kubeconfig' | 'context' | 'color' | 'set'> = { color: true, set: [] };
  for (let index = 0; index < args.length; index += 1) {
    const arg = args[index] ?? '';
    const [flag = '', inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    if (plainFlags.has(flag) && inline === undefined) {
      if (flag === '--no-color') options.color = false;
      continue;
    }
    if (!valueFlags.has(flag)) return undefined;
    const value = inline ?? args[(index += 1)];
    if (value === undefined || value === '' || (inline === undefined && value.startsWith('-'))) return undefined;
    if (flag === '--kubeconfig') options.kubeconfig = value;
    if (flag === '--context') options.context = value;
  }
  return options;
}

/**
 * For bin/mlflow-install.js, before it loads the command line parser: draws the first frame of a plain
 * interactive install at once (the wizard then continues from it), and does nothing otherwise.
 */
export function drawEarlyFrame(argv: readonly string[], env: Readonly<Record<string, string | undefined>> = process.env): void {
  if (early !== undefined || !process.stdin.isTTY || !process.stdout.isTTY) return;
  const options = earlyFrameOptions(argv.slice(2));
  if (options !== undefined) early = drawFirstFrame(options, env);
}
