// Runtime config → backend. The same app uses SQLite under `waft up` and Redis or Postgres on a
// server; only this config differs.
import { WaftError } from '../../errors.ts';
import { parseDuration } from '../../util/units.ts';
import type { KvBackend, KvLimits } from './contract.ts';
import { postgresBackend } from './postgres.ts';
import { redisBackend } from './redis.ts';
import { sqliteBackend } from './sqlite.ts';

export interface KvBackendConfig {
  type: 'sqlite' | 'redis' | 'postgres';
  /** sqlite: the directory that holds one file per app. */
  path?: string;
  /** redis and postgres: where the server is. */
  url?: string;
  /** Limits and backend tuning; camelCase or snake_case names (max_value_bytes). */
  options?: Record<string, unknown>;
}

const limitNames = ['maxKeyBytes', 'maxValueBytes', 'maxListPage'] as const;
const optionNames = {
  sqlite: [...limitNames],
  redis: [...limitNames, 'connectTimeoutMs', 'commandTimeoutMs'],
  postgres: [...limitNames, 'schema'],
} as const;

function camel(name: string): string {
  return name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

function configError(message: string, details?: Record<string, unknown>): WaftError {
  return new WaftError('WAFT_E_KV_CONFIG', `key-value runtime config: ${message}`, details);
}

export function kvBackendFrom(config: KvBackendConfig): KvBackend {
  const type = config?.type;
  if (type !== 'sqlite' && type !== 'redis' && type !== 'postgres') {
    throw configError(`unknown type ${JSON.stringify(type)}; use "sqlite", "redis" or "postgres"`, { type });
  }
  const known: readonly string[] = optionNames[type];
  const options: Record<string, unknown> = {};
  for (const [raw, value] of Object.entries(config.options ?? {})) {
    const name = camel(raw);
    if (!known.includes(name)) {
      throw configError(`unknown option ${JSON.stringify(raw)} for type "${type}" (known: ${known.join(', ')})`, { option: raw });
    }
    options[name] = value;
  }
  const limits: Partial<KvLimits> = {};
  for (const name of limitNames) {
    if (options[name] !== undefined) limits[name] = options[name] as number;
  }

  if (type === 'sqlite') {
    if (config.url !== undefined) throw configError('type "sqlite" takes `path`, not `url`');
    if (typeof config.path !== 'string' || config.path === '') throw configError('type "sqlite" needs `path`: the directory for the SQLite files');
    return sqliteBackend({ path: config.path, limits });
  }
  if (config.path !== undefined) throw configError(`type "${type}" takes \`url\`, not \`path\``);
  if (typeof config.url !== 'string' || config.url === '') throw configError(`type "${type}" needs \`url\``);
  if (type === 'redis') {
    const ms = (name: 'connectTimeoutMs' | 'commandTimeoutMs'): number | undefined => {
      const v = options[name];
      if (v === undefined) return undefined;
      try {
        return parseDuration(v as string | number, name);
      } catch (err) {
        throw configError((err as Error).message, { option: name });
      }
    };
    return redisBackend({ url: config.url, limits, connectTimeoutMs: ms('connectTimeoutMs'), commandTimeoutMs: ms('commandTimeoutMs') });
  }
  if (options.schema !== undefined && typeof options.schema !== 'string') throw configError('option "schema" must be a string');
  return postgresBackend({ url: config.url, limits, schema: options.schema as string | undefined });
}
