import { CommandNotFoundError, type CommandRunner, type RunRequest, type RunResult } from './runner.js';

/** A tool this program drives, and how a person fixes its absence. */
export interface ToolDescription {
  name: 'helm' | 'kubectl';
  /** The flag that points at the binary. */
  flag: '--helm' | '--kubectl';
  wanted: string;
  installUrl: string;
}

export const helmTool: ToolDescription = {
  name: 'helm',
  flag: '--helm',
  wanted: 'helm 3.12 or later, or helm 4',
  installUrl: 'https://helm.sh/docs/intro/install/',
};

export const kubectlTool: ToolDescription = {
  name: 'kubectl',
  flag: '--kubectl',
  wanted: 'kubectl',
  installUrl: 'https://kubernetes.io/docs/tasks/tools/',
};

/** helm or kubectl cannot be run at the path given. */
export class ToolNotFoundError extends Error {
  override readonly name = 'ToolNotFoundError';
  /** What is wrong, and what to do about it: the message is the two together. */
  readonly problem: string;
  readonly remedy: string;

  constructor(
    readonly tool: ToolDescription,
    readonly binary: string,
    reason: CommandNotFoundError['reason'],
  ) {
    const where = binary.includes('/') ? `at ${binary}` : `on PATH (looked for "${binary}")`;
    const problem = reason === 'missing' ? `${tool.name} was not found ${where}` : `${binary} is not executable`;
    const remedy = `Install ${tool.wanted} (${tool.installUrl}), or point ${tool.flag} at it, e.g. ${tool.flag} /usr/local/bin/${tool.name}.`;
    super(`${problem}. ${remedy}`);
    this.problem = problem;
    this.remedy = remedy;
  }
}

/** runner.run, with a missing binary reported as the tool the person has to install or point at. */
export async function runTool(runner: CommandRunner, tool: ToolDescription, request: RunRequest): Promise<RunResult> {
  try {
    return await runner.run(request);
  } catch (error) {
    if (error instanceof CommandNotFoundError) throw new ToolNotFoundError(tool, request.file, error.reason);
    throw error;
  }
}
