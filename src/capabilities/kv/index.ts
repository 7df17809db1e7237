export type { KvBackend, KvLimits, KvStore, ListPage } from './contract.ts';
export { defaultKvLimits } from './contract.ts';
export { sqliteBackend } from './sqlite.ts';
export { redisBackend, type RedisBackendOptions } from './redis.ts';
export { postgresBackend } from './postgres.ts';
export { kvBackendFrom, type KvBackendConfig } from './from-config.ts';
