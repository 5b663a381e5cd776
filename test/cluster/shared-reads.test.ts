import { describe, expect, it } from 'vitest';
import { CommandRunner } from '../../src/cluster/runner.js';
import { SharedReads } from '../../src/cluster/shared-reads.js';

const node = process.execPath;
// Each start appends a line to the file it is given: the number of lines is the number of processes.
const counting = (file: string) => ['-e', `require('fs').appendFileSync(${JSON.stringify(file)}, 'x\\n'); console.log('answer')`];

describe('reads shared by the runners of one run', () => {
  it('starts one process for the same shared read from two runners, and one each for reads not marked shared', async () => {
    const { mkdtempSync, readFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const file = join(mkdtempSync(join(tmpdir(), 'shared-')), 'starts');
    const reads = new SharedReads();
    const [first, second] = [new CommandRunner({ sharedReads: reads }), new CommandRunner({ sharedReads: reads })];
    const answers = await Promise.all([first.run({ file: node, args: counting(file), shared: true }), second.run({ file: node, args: counting(file), shared: true })]);
    expect(answers.map((answer) => answer.stdout.trim())).toEqual(['answer', 'answer']);
    expect(readFileSync(file, 'utf8')).toBe('x\n');
    await first.run({ file: node, args: counting(file) });
    await new CommandRunner().run({ file: node, args: counting(file), shared: true });
    expect(readFileSync(file, 'utf8')).toBe('x\nx\nx\n');
  });

  it('keeps no failure: a later caller asks again and gets its own answer', async () => {
    const reads = new SharedReads();
    let calls = 0;
    const flaky = () => (++calls === 1 ? Promise.reject(new Error('busy')) : Promise.resolve('fine'));
    await expect(reads.get('k', flaky)).rejects.toThrow('busy');
    await new Promise((resolve) => setTimeout(resolve, 0));
    await expect(reads.get('k', flaky)).resolves.toBe('fine');
    await expect(reads.get('k', flaky)).resolves.toBe('fine');
    expect(calls).toBe(2);
  });
});
