import { openPostgresStore } from '../../../src/server/store/postgres.ts';
import { storeSuite } from '../../../src/server/store/store.case.ts';
import { createTestDatabase } from './pg.ts';

storeSuite('postgres', async () => {
  const db = await createTestDatabase();
  if (typeof db === 'string') return db;
  const store = await openPostgresStore(db.url);
  const close = store.close;
  store.close = async () => {
    try {
      await close();
    } finally {
      await db.drop();
    }
  };
  return store;
});
