// The chart proven on a real MLflow server (the venv's, at the chart's image version), real PostgreSQL and
// real MariaDB: see test/real/*-suite.ts. One file so that the suites overlap: each heavy test takes one of
// the worker's slots (test/real/slots.ts) and mostly waits on its processes while another runs.
import { afterAll, describe } from 'vitest';
import { databaseSuite } from './database-suite.js';
import { fileBackendSuite } from './file-backend-suite.js';
import { stopAll } from './procs.js';
import { serverOptionsSuite } from './server-options-suite.js';

describe.concurrent('the chart on a real MLflow server', () => {
  fileBackendSuite();
  serverOptionsSuite();
  databaseSuite('postgres');
  databaseSuite('mariadb');
});

// Last resort: whatever a failed test or hook left running in this worker.
afterAll(stopAll);
