import { describe, expect, it } from 'vitest';
import { resolveAnswers } from '../../src/answers/resolve.js';
import { createPalette } from '../../src/ui/colors.js';
import { newState, currentAnswers } from '../../src/wizard/state.js';
import { summaryLines } from '../../src/wizard/summary.js';

describe('the summary', () => {
  it('shows every answer with its source, passwords as ****, and the equivalent command', () => {
    const state = newState(resolveAnswers({ preset: 'postgres', set: ['backend.db.host=db.internal'] }), {});
    state.typed.set('release', 'tracking');
    state.passwords.MLFLOW_DB_PASSWORD = 'typed-secret-value';
    const lines = summaryLines(state, currentAnswers(state), './values.yaml', ['npx', 'mlflow-install', '--yes', '--set', 'a=b c'], createPalette(false)).join('\n');
    expect(lines).toMatch(/Release name +tracking +\(you\)/);
    expect(lines).toMatch(/Backend store +postgres +\(preset postgres\)/);
    expect(lines).toMatch(/Database host +db\.internal +\(--set backend\.db\.host\)/);
    expect(lines).toMatch(/TLS to the database +the driver's default +\(default\)/);
    expect(lines).toMatch(/Database password +\*\*\*\* \(into Secret tracking-mlflow-db\) +\(you\)/);
    expect(lines).not.toContain('typed-secret-value');
    expect(lines).not.toContain('Existing Secret');
    expect(lines).toContain('Values file: ./values.yaml');
    expect(lines).toContain("npx mlflow-install --yes --set 'a=b c'");
  });

  it('hides store references and password-like map entries too', () => {
    const state = newState(
      resolveAnswers({
        preset: 'aws-aurora',
        set: ['secrets.objects.password=prod/mlflow#password', 'secrets.parameters.region=eu-west-1'],
      }),
      {},
    );
    const lines = summaryLines(state, currentAnswers(state), './values.yaml', ['npx'], createPalette(false)).join('\n');
    expect(lines).toMatch(/Password reference in the store +\*\*\*\*/);
    expect(lines).not.toContain('prod/mlflow#password');
    expect(lines).toMatch(/Secret store parameters +region=eu-west-1/);
    expect(lines).toMatch(/Database password +from aws \(synced to Secret mlflow-mlflow-store\) +\(secret store\)/);
  });
});
