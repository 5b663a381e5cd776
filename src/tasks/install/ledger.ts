import { shellLine } from '../../cluster/display.js';

/** One change this run made, in words, and the command that removes it, when removing it makes sense. */
export interface Change {
  what: string;
  undo?: readonly string[];
}

/** What this run has changed so far: said plainly when it fails or is cancelled. */
export class Ledger {
  private readonly changes: Change[] = [];

  add(change: Change): void {
    this.changes.push(change);
  }

  get entries(): readonly Change[] {
    return this.changes;
  }

  /** The changes as lines for a person: what was changed, then how to remove it. */
  describe(): string[] {
    if (this.changes.length === 0) return ['Before that step, this run changed nothing.'];
    const lines = ['Changed by this run before that step, and still in place:', ...this.changes.map((change) => `  - ${change.what}`)];
    const undo = this.changes.filter((change) => change.undo !== undefined);
    if (undo.length > 0) {
      lines.push('  To remove them instead of retrying:', ...undo.map((change) => `    ${shellLine(change.undo?.[0] ?? '', change.undo?.slice(1) ?? [])}`));
    }
    return lines;
  }
}
