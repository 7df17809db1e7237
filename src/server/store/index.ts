// Opens the control-plane store named by the server's configuration and brings its schema up
// to date: SQLite at DATA_DIR/waft.db by default, Postgres when a postgres:// URL is given.
import { join } from 'node:path';
import { WaftError } from '../../errors.ts';
import { openPostgresStore, redactUrl } from './postgres.ts';
import { openSqliteStore } from './sqlite.ts';
import type { Store } from './types.ts';

export interface StoreOptions {
  dataDir: string;
  /** postgres:// or postgresql:// URL; unset or empty means SQLite in dataDir. */
  databaseUrl?: string;
}

export async function openStore(options: StoreOptions): Promise<Store> {
  const url = options.databaseUrl?.trim();
  let store: Store;
  if (url) {
    if (!/^postgres(?:ql)?:\/\//i.test(url)) {
      throw new WaftError('WAFT_E_DATABASE_URL_INVALID', `the database URL ${redactUrl(url)} is not a postgres:// URL`, { url: redactUrl(url) });
    }
    store = await openPostgresStore(url);
  } else {
    store = await openSqliteStore(join(options.dataDir, 'waft.db'));
  }
  try {
    await store.migrate();
  } catch (err) {
    await store.close();
    throw err;
  }
  return store;
}
