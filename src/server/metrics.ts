// Prometheus metrics of the server, in the text exposition format (version 0.0.4). Counters
// live in memory and are updated on each request; the process gauges are read at scrape time.
import { monitorEventLoopDelay } from 'node:perf_hooks';

const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function labels(pairs: Record<string, string>): string {
  const parts = Object.entries(pairs).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}

class Counter {
  readonly values = new Map<string, number>();

  add(labelText: string, by = 1): void {
    this.values.set(labelText, (this.values.get(labelText) ?? 0) + by);
  }
}

class Histogram {
  readonly series = new Map<string, { counts: number[]; sum: number; count: number }>();

  observe(labelText: string, seconds: number): void {
    let s = this.series.get(labelText);
    if (!s) {
      s = { counts: new Array(DURATION_BUCKETS.length).fill(0), sum: 0, count: 0 };
      this.series.set(labelText, s);
    }
    for (let i = 0; i < DURATION_BUCKETS.length; i++) if (seconds <= DURATION_BUCKETS[i]) s.counts[i]++;
    s.sum += seconds;
    s.count++;
  }
}

export interface RequestSample {
  app: string;
  function: string | null;
  status: number;
  outcome: string;
  wallMs: number | null;
  cpuMs: number | null;
  bytesIn: number;
  bytesOut: number;
}

export class Metrics {
  readonly #requests = new Counter();
  readonly #duration = new Histogram();
  readonly #cpu = new Counter();
  readonly #bytesIn = new Counter();
  readonly #bytesOut = new Counter();
  readonly #api = new Counter();
  readonly #loop = monitorEventLoopDelay({ resolution: 20 });
  readonly #labelCache = new Map<string, string>();

  constructor() {
    this.#loop.enable();
  }

  close(): void {
    this.#loop.disable();
  }

  #key(app: string, fn: string): string {
    const k = `${app}\0${fn}`;
    let text = this.#labelCache.get(k);
    if (text === undefined) {
      text = fn === '\0app' ? labels({ app }) : labels({ app, function: fn });
      if (this.#labelCache.size < 100_000) this.#labelCache.set(k, text);
    }
    return text;
  }

  request(s: RequestSample): void {
    const fn = s.function ?? '';
    const k = `${s.app}\0${fn}\0${s.status}\0${s.outcome}`;
    let requestKey = this.#labelCache.get(k);
    if (requestKey === undefined) {
      requestKey = labels({ app: s.app, function: fn, status: String(s.status), outcome: s.outcome });
      if (this.#labelCache.size < 100_000) this.#labelCache.set(k, requestKey);
    }
    this.#requests.add(requestKey);
    const key = this.#key(s.app, fn);
    if (s.wallMs !== null) this.#duration.observe(key, s.wallMs / 1000);
    if (s.cpuMs !== null) this.#cpu.add(key, s.cpuMs / 1000);
    const appKey = this.#key(s.app, '\0app');
    if (s.bytesIn) this.#bytesIn.add(appKey, s.bytesIn);
    if (s.bytesOut) this.#bytesOut.add(appKey, s.bytesOut);
  }

  api(method: string, route: string, status: number): void {
    this.#api.add(labels({ method, route, status: String(status) }));
  }

  render(gauges: { inFlight: number; appsDeployed: number; deployments: number; rollbacks: number; logsDropped: number; usageDropped: number }): string {
    const out: string[] = [];
    const counter = (name: string, help: string, c: Counter) => {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`);
      for (const [l, v] of c.values) out.push(`${name}${l} ${v}`);
    };
    const gauge = (name: string, help: string, value: number, type = 'gauge') => {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, `${name} ${value}`);
    };
    counter('waft_requests_total', 'Requests to deployed apps, by app, function, status and outcome.', this.#requests);
    out.push('# HELP waft_request_duration_seconds Wall time of function runs.', '# TYPE waft_request_duration_seconds histogram');
    for (const [l, s] of this.#duration.series) {
      const inner = l.slice(1, -1);
      DURATION_BUCKETS.forEach((b, i) => out.push(`waft_request_duration_seconds_bucket{${inner},le="${b}"} ${s.counts[i]}`));
      out.push(`waft_request_duration_seconds_bucket{${inner},le="+Inf"} ${s.count}`);
      out.push(`waft_request_duration_seconds_sum${l} ${s.sum}`, `waft_request_duration_seconds_count${l} ${s.count}`);
    }
    counter('waft_cpu_seconds_total', 'CPU time of function runs.', this.#cpu);
    counter('waft_bytes_in_total', 'Request body bytes read by functions.', this.#bytesIn);
    counter('waft_bytes_out_total', 'Response body bytes written by functions.', this.#bytesOut);
    gauge('waft_requests_in_flight', 'Requests to deployed apps being served now.', gauges.inFlight);
    gauge('waft_apps_deployed', 'Apps with an active version loaded.', gauges.appsDeployed);
    out.push('# HELP waft_deployments_total Deployments made by this process.', '# TYPE waft_deployments_total counter',
      `waft_deployments_total{kind="deploy"} ${gauges.deployments}`, `waft_deployments_total{kind="rollback"} ${gauges.rollbacks}`);
    counter('waft_api_requests_total', 'API requests, by method, route and status.', this.#api);
    gauge('waft_log_entries_dropped_total', 'Log entries lost because the store could not keep up or failed.', gauges.logsDropped, 'counter');
    gauge('waft_usage_records_dropped_total', 'Usage records lost because the store could not keep up or failed.', gauges.usageDropped, 'counter');
    const mem = process.memoryUsage();
    const cpu = process.cpuUsage();
    gauge('process_resident_memory_bytes', 'Resident memory of the server process.', mem.rss);
    gauge('process_cpu_seconds_total', 'CPU time of the server process.', (cpu.user + cpu.system) / 1e6, 'counter');
    gauge('nodejs_eventloop_delay_p99_seconds', 'p99 event loop delay since the last scrape.', this.#loop.percentile(99) / 1e9);
    this.#loop.reset();
    return `${out.join('\n')}\n`;
  }
}
