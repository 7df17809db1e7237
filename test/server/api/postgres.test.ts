// The server API suite against Postgres at 127.0.0.1:5432, a fresh database per server.
import { apiSuite } from './api.case.ts';

apiSuite('postgres');
