// `waft server` as a real child process (bin/waft.js), with its output read line by line.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../../support/guests.ts';
import { freePort } from '../../support/servers.ts';

export interface ServerChild {
  child: ChildProcess;
  port: number;
  url: string;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** Resolves when a line of output matches; rejects if the process exits first. */
  waitForLine(pattern: RegExp): Promise<string>;
  /** SIGKILL; resolves once the process is gone. */
  kill(): Promise<void>;
  /** SIGTERM; resolves with the exit code. */
  stop(): Promise<number | null>;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of running) c.kill('SIGKILL');
});

export async function startServerChild(args: string[], env: Record<string, string | undefined> = {}): Promise<ServerChild> {
  const port = await freePort();
  const child = spawn(process.execPath, [join(repoRoot, 'bin/waft.js'), 'server', '--listen', `127.0.0.1:${port}`, '--log-format', 'plain', ...args], {
    env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let text = '';
  const waiters: { pattern: RegExp; resolve: (line: string) => void; reject: (err: Error) => void }[] = [];
  let exited: { code: number | null; signal: string | null } | null = null;
  const exit = new Promise<void>((resolve) => child.once('exit', (code, signal) => {
    running.delete(child);
    exited = { code, signal };
    for (const w of waiters.splice(0)) w.reject(new Error(`waft server exited (${code ?? signal}) before printing ${w.pattern}:\n${text}`));
    resolve();
  }));
  const check = () => {
    const lines = text.split('\n');
    for (let i = waiters.length - 1; i >= 0; i--) {
      const line = lines.find((l) => waiters[i].pattern.test(l));
      if (line !== undefined) waiters.splice(i, 1)[0].resolve(line);
    }
  };
  const onData = (c: Buffer) => {
    text += c.toString();
    check();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const api: ServerChild = {
    child, port, url: `http://127.0.0.1:${port}`,
    output: () => text,
    waitForLine(pattern) {
      return new Promise((resolve, reject) => {
        if (exited) {
          const line = text.split('\n').find((l) => pattern.test(l));
          if (line !== undefined) resolve(line);
          else reject(new Error(`waft server exited before printing ${pattern}:\n${text}`));
          return;
        }
        waiters.push({ pattern, resolve, reject });
        check();
      });
    },
    async kill() {
      if (!exited) child.kill('SIGKILL');
      await exit;
    },
    async stop() {
      if (!exited) child.kill('SIGTERM');
      await exit;
      return exited!.code;
    },
  };
  await api.waitForLine(/^waft server: listening at /);
  return api;
}
