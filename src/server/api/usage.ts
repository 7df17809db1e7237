// Usage: invocations aggregated per time bucket and function, with totals.
import { ownedApp } from './access.ts';
import { sendJson } from './http.ts';
import type { ApiRoute } from './router.ts';
import { invalid, parseDurationText, queryFunction, queryParams, queryTime } from './schema.ts';
import type { UsageBucket } from '../store/types.ts';

const DAY = 86_400_000;
const MAX_BUCKETS = 10_000;

export interface UsageTotals {
  count: number;
  errors: number;
  wallMsSum: number;
  cpuMsSum: number;
  bytesIn: number;
  bytesOut: number;
  peakMemoryMax: number;
}

function empty(): UsageTotals {
  return { count: 0, errors: 0, wallMsSum: 0, cpuMsSum: 0, bytesIn: 0, bytesOut: 0, peakMemoryMax: 0 };
}

function add(t: UsageTotals, b: UsageBucket): void {
  t.count += b.count;
  t.errors += b.errors;
  t.wallMsSum += b.wallMsSum;
  t.cpuMsSum += b.cpuMsSum;
  t.bytesIn += b.bytesIn;
  t.bytesOut += b.bytesOut;
  t.peakMemoryMax = Math.max(t.peakMemoryMax, b.peakMemoryMax);
}

export const usageRoutes: ApiRoute[] = [
  {
    method: 'GET', pattern: '/api/v1/apps/:app/usage', scope: 'usage:read',
    async handler(r) {
      const app = await ownedApp(r);
      const params = queryParams(r.url, ['from', 'to', 'bucket', 'function']);
      const now = Date.now();
      const to = params.to !== undefined ? queryTime(params.to, 'query.to', now) : now;
      const from = params.from !== undefined ? queryTime(params.from, 'query.from', now) : to - DAY;
      if (from >= to) throw invalid('query.from', `the range is empty: from (${from}) must be before to (${to})`);
      let bucketMs = 3_600_000;
      if (params.bucket !== undefined) {
        const ms = /^\d{1,12}$/.test(params.bucket) ? Number(params.bucket) : parseDurationText(params.bucket);
        if (ms === null || ms < 1) throw invalid('query.bucket', `expected a duration such as "1m", "1h" or "1d", got ${JSON.stringify(params.bucket.slice(0, 40))}`);
        bucketMs = ms;
      }
      const buckets = Math.ceil((to - from) / bucketMs) + 1;
      if (buckets > MAX_BUCKETS) {
        throw invalid('query.bucket', `${params.bucket ?? '1h'} buckets over this range make ${buckets}; at most ${MAX_BUCKETS} are allowed, so widen the bucket or narrow the range`);
      }
      const fn = params.function !== undefined ? queryFunction(params.function) : undefined;
      const rows = await r.ctx.store.usage.aggregate({ appId: app.id, function: fn, from, to, bucketMs });
      const total = empty();
      const byFunction = new Map<string, UsageTotals>();
      for (const b of rows) {
        add(total, b);
        let t = byFunction.get(b.function);
        if (!t) byFunction.set(b.function, t = empty());
        add(t, b);
      }
      sendJson(r.res, 200, {
        from, to, bucketMs, buckets: rows,
        functions: [...byFunction].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([name, t]) => ({ function: name, ...t })),
        total,
      });
    },
  },
];
