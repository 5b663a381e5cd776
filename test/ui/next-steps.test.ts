import { describe, expect, it } from 'vitest';
import { colorsEnabled, createPalette } from '../../src/ui/colors.js';
import { nextSteps } from '../../src/ui/next-steps.js';

describe('next steps', () => {
  it('gives the port-forward command and the tracking URI when there is no ingress', () => {
    const steps = nextSteps({ release: 'mlflow', namespace: 'ml', serviceName: 'mlflow', servicePort: 5000, context: 'prod east' });
    expect(steps.portForward).toEqual(['kubectl', '--context', 'prod east', '--namespace', 'ml', 'port-forward', 'service/mlflow', '5000:5000']);
    expect(steps.trackingUri).toBe('http://localhost:5000');
    expect(steps.lines).toContain("  kubectl --context 'prod east' --namespace ml port-forward service/mlflow 5000:5000");
    expect(steps.lines).toContain('  export MLFLOW_TRACKING_URI=http://localhost:5000');
    expect(steps.lines.join('\n')).toMatch(/mlflow-install uninstall --namespace ml --release mlflow/);
  });

  it('gives the ingress URL, https with TLS', () => {
    const steps = nextSteps({ release: 'r', namespace: 'n', serviceName: 'r-mlflow', servicePort: 5000, ingressHost: 'mlflow.example.com', tls: true });
    expect(steps.portForward).toBeUndefined();
    expect(steps.trackingUri).toBe('https://mlflow.example.com');
    expect(steps.lines).toContain('  export MLFLOW_TRACKING_URI=https://mlflow.example.com');
  });
});

describe('colours', () => {
  const tty = { color: true, env: {}, isTTY: true };
  it('are on in a terminal and off with --no-color, NO_COLOR, TERM=dumb or no TTY', () => {
    expect(colorsEnabled(tty)).toBe(true);
    expect(colorsEnabled({ ...tty, color: false })).toBe(false);
    expect(colorsEnabled({ ...tty, env: { NO_COLOR: '1' } })).toBe(false);
    expect(colorsEnabled({ ...tty, env: { TERM: 'dumb' } })).toBe(false);
    expect(colorsEnabled({ ...tty, isTTY: false })).toBe(false);
    expect(colorsEnabled({ ...tty, isTTY: false, env: { FORCE_COLOR: '1' } })).toBe(true);
  });

  it('leave text untouched when off', () => {
    expect(createPalette(false).fail('x')).toBe('x');
    expect(createPalette(true).fail('x')).toBe('\u001b[31mx\u001b[39m');
  });
});
