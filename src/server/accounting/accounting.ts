// What the server keeps about every request to a deployed app: one request line and the
// guest's stderr lines in the app's log, and one usage record per invocation. Both go to the
// store in batches (see batch.ts); followers of a log are told when new entries are written.
import { EventEmitter } from 'node:events';
import type { WaftError } from '../../errors.ts';
import type { Completed } from '../../triggers/http/gateway.ts';
import type { LogEntry, LogLevel, Store, UsageOutcome, UsageRecord } from '../store/types.ts';
import { BatchWriter } from './batch.ts';

/** The facts about an app version that its log entries and usage records carry. */
export interface Attributed {
  appId: string;
  versionId: string;
}

export type NewLogEntry = Omit<LogEntry, 'id'>;

const MAX_MESSAGE = 8 * 1024;

export function usageOutcome(error: WaftError | null, ran: boolean): UsageOutcome {
  if (!error) return 'ok';
  switch (error.code) {
    case 'WAFT_E_GUEST_TIMEOUT': return 'timeout';
    case 'WAFT_E_GUEST_TRAP': return 'trap';
    case 'WAFT_E_GUEST_MEMORY_LIMIT': return 'memory';
    case 'WAFT_E_GUEST_OUTPUT_LIMIT': return 'output';
    case 'WAFT_E_OVERLOADED': return 'rejected';
    case 'WAFT_E_BODY_TOO_LARGE': return ran ? 'error' : 'rejected';
    default: return 'error';
  }
}

function clip(message: string): string {
  return message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE)}… (${message.length - MAX_MESSAGE} more characters)` : message;
}

function formatMs(ms: number): string {
  return ms < 10 ? `${ms.toFixed(2)}ms` : `${Math.round(ms)}ms`;
}

export interface AccountingOptions {
  store: Store;
  /** Called when a batch could not be written (the records are lost and counted). */
  onError: (what: 'logs' | 'usage', err: unknown, lost: number) => void;
  flushIntervalMs?: number;
  /** Where batches go; by default the store itself (see sqlite-writer.ts for why not always). */
  sink?: { appendLogs(items: NewLogEntry[]): Promise<void>; recordUsage(items: UsageRecord[]): Promise<void> };
}

export class Accounting {
  readonly logs: BatchWriter<NewLogEntry>;
  readonly usage: BatchWriter<UsageRecord>;
  /** Emits 'written' with the set of app ids whose logs just grew. */
  readonly events = new EventEmitter();

  constructor(opts: AccountingOptions) {
    this.events.setMaxListeners(0);
    const intervalMs = opts.flushIntervalMs ?? 200;
    const sink = opts.sink ?? { appendLogs: (items: NewLogEntry[]) => opts.store.logs.append(items), recordUsage: (items: UsageRecord[]) => opts.store.usage.record(items) };
    this.logs = new BatchWriter<NewLogEntry>({
      write: (items) => sink.appendLogs(items),
      intervalMs, batchSize: 5000, maxQueued: 200_000,
      onError: (err, lost) => opts.onError('logs', err, lost),
      onWritten: (items) => this.events.emit('written', new Set(items.map((e) => e.appId))),
    });
    this.usage = new BatchWriter<UsageRecord>({
      write: (items) => sink.recordUsage(items),
      intervalMs: Math.max(intervalMs, 1000), batchSize: 5000, maxQueued: 200_000,
      onError: (err, lost) => opts.onError('usage', err, lost),
    });
  }

  /** One request to an app: its request line, and a usage record (with usageOutcome() of it) when a function was chosen. */
  completed(c: Completed, app: Attributed, url: string, outcome: UsageOutcome): void {
    const level: LogLevel = c.status >= 500 ? 'error' : c.status >= 400 ? 'warn' : 'info';
    const error = c.error ? ` ${c.error.code}: ${c.error.message}` : '';
    this.logs.push({
      appId: app.appId, versionId: app.versionId, function: c.function, requestId: c.requestId, level, source: 'request',
      message: clip(`${c.req.method ?? 'GET'} ${url} ${c.status} in ${formatMs(c.durationMs)}${error}`), time: c.startedAt,
    });
    if (c.function === null) return;
    const o = c.outcome;
    const usage = o?.usage ?? null;
    this.usage.push({
      appId: app.appId, versionId: app.versionId, function: c.function, requestId: c.requestId, startedAt: c.startedAt,
      wallMs: usage ? usage.wallMs : 0, cpuMs: usage ? usage.cpuMs : 0, peakMemoryBytes: usage ? usage.peakMemoryBytes : 0,
      bytesIn: o ? o.bytesIn : 0, bytesOut: o ? o.bytesOut : 0,
      status: c.status, outcome,
    });
  }

  guest(app: Attributed, fn: string, requestId: string, line: string): void {
    this.logs.push({ appId: app.appId, versionId: app.versionId, function: fn, requestId, level: 'info', source: 'guest', message: clip(line), time: Date.now() });
  }

  system(appId: string, versionId: string | null, message: string, level: LogLevel = 'info'): void {
    this.logs.push({ appId, versionId, function: null, requestId: null, level, source: 'system', message: clip(message), time: Date.now() });
  }

  async flush(): Promise<void> {
    await Promise.all([this.logs.flush(), this.usage.flush()]);
  }

  async close(): Promise<void> {
    await Promise.all([this.logs.close(), this.usage.close()]);
  }
}
