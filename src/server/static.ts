// The dashboard: static files from one directory under /dashboard/. Paths are decoded once,
// must stay inside the directory, and anything that is not a regular file is not served.
// Paths without an extension that name no file get index.html, so the dashboard can route
// in the browser.
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, isAbsolute, join, relative } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.json': 'application/json; charset=utf-8', '.svg': 'image/svg+xml', '.png': 'image/png',
  '.ico': 'image/x-icon', '.txt': 'text/plain; charset=utf-8', '.map': 'application/json; charset=utf-8', '.woff2': 'font/woff2',
  '.webp': 'image/webp', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.wasm': 'application/wasm',
};

export const DASHBOARD_DIR = new URL('./dashboard/', import.meta.url).pathname;
export const DASHBOARD_PREFIX = '/dashboard/';

function notFound(res: ServerResponse, why: string): void {
  const body = `404 Not Found\n${why}\n`;
  res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8', 'content-length': String(Buffer.byteLength(body)) }).end(body);
}

async function regularFile(root: string, path: string): Promise<{ file: string; size: number; mtime: Date } | null> {
  try {
    const real = await realpath(path);
    const inside = relative(root, real);
    if (inside.startsWith('..') || isAbsolute(inside)) return null;
    const info = await stat(real);
    if (info.isDirectory()) return regularFile(root, join(real, 'index.html'));
    return info.isFile() ? { file: real, size: info.size, mtime: info.mtime } : null;
  } catch {
    return null;
  }
}

/** Serves GET/HEAD /dashboard/<path> from dir. */
export async function serveDashboard(req: IncomingMessage, res: ServerResponse, pathname: string, dir = DASHBOARD_DIR): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end('405 Method Not Allowed\n');
    return;
  }
  let rel: string;
  try {
    rel = decodeURIComponent(pathname.slice(DASHBOARD_PREFIX.length));
  } catch {
    notFound(res, 'bad percent-encoding');
    return;
  }
  const parts = rel.split('/');
  if (rel.includes('\0') || rel.includes('\\') || parts.some((p) => p === '..' || p === '.')) {
    notFound(res, 'no such file');
    return;
  }
  let root: string;
  try {
    root = await realpath(dir);
  } catch {
    notFound(res, `the dashboard is not installed (no directory ${dir})`);
    return;
  }
  let found = await regularFile(root, join(root, ...parts));
  if (!found && extname(rel) === '') found = await regularFile(root, join(root, 'index.html'));
  if (!found) {
    notFound(res, 'no such file');
    return;
  }
  const type = TYPES[extname(found.file).toLowerCase()] ?? 'application/octet-stream';
  res.writeHead(200, {
    'content-type': type, 'content-length': String(found.size), 'last-modified': found.mtime.toUTCString(),
    'cache-control': 'no-cache', 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer',
    'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'",
    'x-frame-options': 'DENY',
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  createReadStream(found.file).on('error', () => res.destroy()).pipe(res);
}
