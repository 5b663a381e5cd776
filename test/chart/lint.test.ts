import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { chartDir, helmMajors, toolSet } from '../helpers/tools.js';

const execFileAsync = promisify(execFile);

describe.each(helmMajors.map((major) => toolSet(major)))('chart lint with helm $major', (tools) => {
  it.skipIf(tools.unavailable !== undefined)(`helm lint --strict is clean${tools.unavailable ? ` (skipped: ${tools.unavailable})` : ''}`, async () => {
    const { stdout } = await execFileAsync(tools.helm, ['lint', '--strict', chartDir]);
    expect(stdout).toContain('1 chart(s) linted, 0 chart(s) failed');
    expect(stdout).not.toMatch(/\[(WARNING|ERROR)\]/);
  });

  it.skipIf(tools.unavailable !== undefined)('helm lint --strict is clean with a database, ingress, CSI secrets and metrics', async () => {
    const args = ['lint', '--strict', chartDir, '--set', 'database.engine.mysql=mysql+pymysql', '--set', 'mlflowBackend.connections.host=db', '--set', 'mlflowBackend.existingSecret=db', '--set', 'ingress.enabled=true', '--set', 'prometheus.expose=true'];
    const { stdout } = await execFileAsync(tools.helm, args);
    expect(stdout).toContain('0 chart(s) failed');
  });
});
