import { databaseSuite } from './database-suite.js';

databaseSuite('mariadb');
