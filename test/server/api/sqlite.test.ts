// The server API suite against the default store: SQLite in the data directory.
import { apiSuite } from './api.case.ts';

apiSuite('sqlite');
