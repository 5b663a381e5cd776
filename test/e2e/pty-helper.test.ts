import { describe, expect, it } from 'vitest';
import { spawnInPty } from '../helpers/pty.js';

describe('the pseudo-terminal helper', () => {
  it('shows what a program draws and types what a person types', async () => {
    const session = spawnInPty(process.execPath, ['-e', "process.stdout.write('name? '); process.stdin.once('data', (d) => { console.log('hello ' + String(d).trim()); process.exit(3); });"]);
    await session.waitFor('name?');
    session.type('ada\r');
    await session.waitFor('hello ada');
    expect((await session.exited).exitCode).toBe(3);
  });

  it('reports the screen when the text never comes', async () => {
    const session = spawnInPty(process.execPath, ['-e', "console.log('something else')"]);
    await expect(session.waitFor('never shown', 2000)).rejects.toThrow(/something else/);
  });
});
