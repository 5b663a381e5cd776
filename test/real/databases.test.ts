// PostgreSQL and MariaDB side by side: both suites share the worker's slots (test/real/slots.ts),
// so their tests (each with its own database) overlap while others wait on their processes.
import { afterAll, describe } from 'vitest';
import { databaseSuite } from './database-suite.js';
import { stopAll } from './procs.js';

describe.concurrent('real database servers', () => {
  databaseSuite('postgres');
  databaseSuite('mariadb');
});

// Last resort: whatever a failed test or hook left running in this worker.
afterAll(stopAll);
