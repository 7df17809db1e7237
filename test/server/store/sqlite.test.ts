import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../../../src/server/store/sqlite.ts';
import { storeSuite } from '../../../src/server/store/store.case.ts';

storeSuite('sqlite', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'waft-store-'));
  const store = await openSqliteStore(join(dir, 'waft.db'));
  const close = store.close;
  store.close = async () => {
    await close();
    await rm(dir, { recursive: true, force: true });
  };
  return store;
});
