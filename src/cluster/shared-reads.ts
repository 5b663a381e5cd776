/**
 * Read-only commands asked twice in one run (the cluster read and the preflight both ask who the context is,
 * whether the namespace exists, which versions there are) start one process: the second caller gets the
 * first's answer. A failed read is not kept, so a later caller asks again and gets its own error.
 */
export class SharedReads {
  private readonly reads = new Map<string, Promise<unknown>>();

  get<T>(key: string, read: () => Promise<T>): Promise<T> {
    const known = this.reads.get(key) as Promise<T> | undefined;
    if (known) return known;
    const started = read();
    this.reads.set(key, started);
    started.catch(() => this.reads.delete(key));
    return started;
  }
}
