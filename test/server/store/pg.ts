// A throwaway Postgres database per test: CREATE DATABASE waft_test_<random>, dropped after.
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';

export const POSTGRES_ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/** A fresh database, or the reason Postgres cannot be used (to pass to t.skip). */
export async function createTestDatabase(): Promise<TestDatabase | string> {
  const admin = postgres(POSTGRES_ADMIN_URL, { max: 1, onnotice: () => {}, connect_timeout: 5 });
  try {
    await admin`SELECT 1`;
  } catch (err) {
    await admin.end({ timeout: 0 }).catch(() => {});
    return `Postgres at 127.0.0.1:5432 is not reachable: ${(err as Error).message} (install the Debian postgresql package and allow trust auth for user postgres on 127.0.0.1)`;
  }
  const name = `waft_test_${randomBytes(8).toString('hex')}`;
  await admin.unsafe(`CREATE DATABASE ${name}`);
  return {
    url: `postgres://postgres@127.0.0.1:5432/${name}`,
    async drop() {
      try {
        await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await admin.end({ timeout: 5 });
      }
    },
  };
}
