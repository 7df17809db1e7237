// Makes throwaway apps from built test guests and serves them with the real dev server; waits
// for what a served app does in the background.
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PassThrough } from 'node:stream';
import { startDevServer, type DevServer, type DevServerOptions } from '../../src/host/dev-server.ts';
import { Logger, type LogFormat } from '../../src/host/logger.ts';

export interface TestApp {
  dir: string;
  dev: DevServer;
  url: string;
  /** Everything the server logged so far. */
  logs(): string;
  close(): Promise<void>;
}

/** Writes files (text, or `{ copy: path }` for a built guest) into `dir`, by default a fresh temp dir. */
export function writeApp(files: Record<string, string | { copy: string }>, dir = mkdtempSync(join(tmpdir(), 'waft-app-'))): string {
  for (const [name, content] of Object.entries(files)) {
    const path = join(dir, name);
    mkdirSync(dirname(path), { recursive: true });
    if (typeof content === 'string') writeFileSync(path, content);
    else copyFileSync(content.copy, path);
  }
  return dir;
}

export async function serveApp(dir: string, options: Partial<DevServerOptions> & { format?: LogFormat } = {}): Promise<TestApp> {
  const out = new PassThrough();
  let text = '';
  out.on('data', (c: Buffer) => { text += c.toString(); });
  const dev = await startDevServer({
    manifest: dir, host: '127.0.0.1', port: 0, logger: new Logger(options.format ?? 'plain', out), ...options,
  });
  return {
    dir, dev, url: dev.url, logs: () => text,
    async close() {
      await dev.stop(1000);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Waits (without a deadline of its own: the test timeout bounds it) until check() returns a value. */
export async function until<T>(check: () => Promise<T | null | undefined | false>): Promise<T> {
  for (;;) {
    const v = await check();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
}
