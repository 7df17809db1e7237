import { readFile } from 'node:fs/promises';
import { WaftError } from '../errors.ts';
import { list, parseArgs, str } from './args.ts';
import { formatSize } from './client/format.ts';
import { localHint, printErrorWithHint, reportErrors, ServerError } from './client/server-error.ts';
import { noMore, need, versionRef, withClient } from './client/session.ts';
import type { InvokeRequest } from './client/types.ts';
import { printJson } from './output.ts';

const usage = `Usage: waft invoke APP FUNCTION [OPTIONS]

Runs one request through a function of a deployed app, exactly as the gateway would (routing,
limits, logs, usage), and prints what it answered.

Options:
  -d, --data DATA        the request body: text, @FILE for a file's bytes, or @- for standard input
  -H, --header 'K: V'    a request header (repeatable)
  -X, --method METHOD    the HTTP method (default GET, or POST with a body)
  --path PATH            the path and query to request (default: the function's first route)
  --version VERSION      run this version (number or id) instead of the active one, even undeployed
  -i, --include          print the status line and headers before the body
  -v, --verbose          also print the request id, usage and the function's stderr lines (on stderr)
  --fail                 exit 1 when the function answers with status 400 or above
  --json                 print the whole invocation (status, headers, body, usage, logs) as JSON
  --server URL           another server than the saved one (with the saved token)

Exit codes: 0 when the function answered; 1 when it failed to run (trap, timeout, …) or, with
--fail, answered 400 or above.
`;

const ms = (v: number) => (v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : String(Math.round(v)));

export async function invoke(argv: string[]): Promise<number> {
  const p = parseArgs('invoke', argv, {
    data: { value: true, short: 'd' }, header: { value: true, multiple: true, short: 'H' }, method: { value: true, short: 'X' },
    path: { value: true }, version: { value: true }, include: { short: 'i' }, verbose: { short: 'v' }, fail: {}, json: {},
    server: { value: true }, help: { short: 'h' },
  });
  if (p.options.help) {
    process.stdout.write(usage);
    return 0;
  }
  return reportErrors(async () => {
    const app = need(p.positionals, 0, 'app', 'waft invoke hello hello --data "hi"');
    const fn = p.positionals[1];
    if (fn === undefined && str(p, 'path') === undefined) {
      throw new WaftError('WAFT_E_USAGE', 'waft invoke: name the function (`waft invoke APP FUNCTION`) or the path to request (--path /hello)');
    }
    noMore('invoke', p.positionals, 2);
    const req: InvokeRequest = {};
    if (fn !== undefined) req.function = fn;
    const path = str(p, 'path');
    if (path !== undefined) req.path = path;
    const method = str(p, 'method');
    if (method !== undefined) req.method = method.toUpperCase();
    const version = str(p, 'version');
    if (version !== undefined) req.version = versionRef(version);
    const headers = parseHeaders(list(p, 'header'));
    if (Object.keys(headers).length > 0) req.headers = headers;
    const data = str(p, 'data');
    if (data !== undefined) {
      const bytes = await readData(data);
      req.body = bytes.toString('base64');
      req.bodyEncoding = 'base64';
    }

    return withClient(async (client) => {
      const r = await client.invoke(app, req);
      if (p.options.json) {
        printJson(r);
        return r.error ? 1 : 0;
      }
      if (p.options.include) {
        let head = `HTTP ${r.status}\n`;
        for (const [k, v] of Object.entries(r.headers)) head += `${k}: ${v}\n`;
        process.stdout.write(`${head}\n`);
      }
      const body = Buffer.from(r.body, r.bodyEncoding === 'base64' ? 'base64' : 'utf8');
      if (!r.error || body.length > 0) process.stdout.write(body);
      if (p.options.verbose) {
        let note = `request ${r.requestId}: ${r.function ?? '(no function)'}@${r.version} answered ${r.status}`;
        if (r.usage) note += ` in ${ms(r.usage.wallMs)}ms (cpu ${ms(r.usage.cpuMs)}ms, peak memory ${formatSize(r.usage.peakMemoryBytes)}, ${r.usage.bytesIn} bytes in, ${r.usage.bytesOut} out)`;
        process.stderr.write(`${note}\n`);
        for (const line of r.logs) process.stderr.write(`  stderr: ${line}\n`);
      }
      if (r.error) {
        printErrorWithHint(new ServerError(r.status, { code: r.error.code, message: `${fn ?? 'the function'} failed: ${r.error.message}`, hint: localHint(r.error.code), requestId: r.requestId }));
        return 1;
      }
      return p.options.fail && r.status >= 400 ? 1 : 0;
    }, str(p, 'server'));
  });
}

function parseHeaders(raw: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const h of raw) {
    const colon = h.indexOf(':');
    const name = colon < 0 ? '' : h.slice(0, colon).trim();
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) {
      throw new WaftError('WAFT_E_USAGE', `waft invoke: -H ${JSON.stringify(h)} must be "Name: value"`);
    }
    const key = name.toLowerCase();
    const value = h.slice(colon + 1).trim();
    out[key] = key in out ? `${out[key]}, ${value}` : value;
  }
  return out;
}

async function readData(data: string): Promise<Buffer> {
  if (!data.startsWith('@')) return Buffer.from(data, 'utf8');
  const file = data.slice(1);
  if (file === '-') {
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  }
  try {
    return await readFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new WaftError('WAFT_E_FILE_NOT_FOUND', `waft invoke: --data @${file}: no such file`, { path: file });
    }
    throw err;
  }
}
