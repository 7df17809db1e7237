// Uploading a bundle and turning it into a deployed version: create the app if needed, ask which
// blobs the server lacks (HEAD), stream those (PUT, a few at a time), create the version, deploy.
import { createReadStream } from 'node:fs';
import { Transform } from 'node:stream';
import { WaftError } from '../../errors.ts';
import type { ApiClient } from './api.ts';
import { bundleEntries, type Bundle, type BundleFile } from './bundle.ts';
import { formatSize } from './format.ts';
import type { ProgressLine } from './progress.ts';
import type { App, Deployment, Version } from './types.ts';

const PARALLEL_UPLOADS = 4;

export interface UploadResult {
  uploaded: number;
  unchanged: number;
  uploadedBytes: number;
}

export interface PublishResult extends UploadResult {
  app: App;
  created: boolean;
  version: Version;
  /** Absent with deploy: false. */
  deployment?: Deployment;
}

/** Checks the bundle against the limits the server announces, before any byte is sent. */
function checkLimits(bundle: Bundle, limits: { maxBundleBytes: number; maxBundleFiles: number; maxManifestBytes: number }): void {
  if (bundle.files.length > limits.maxBundleFiles) {
    throw new WaftError('WAFT_E_BUNDLE_TOO_LARGE', `the bundle has ${bundle.files.length} files; the server takes at most ${limits.maxBundleFiles} per version`, { files: bundle.files.length });
  }
  if (bundle.totalBytes > limits.maxBundleBytes) {
    throw new WaftError('WAFT_E_BUNDLE_TOO_LARGE', `the bundle holds ${formatSize(bundle.totalBytes)}; the server takes at most ${formatSize(limits.maxBundleBytes)} per version`, { bytes: bundle.totalBytes });
  }
  const manifestBytes = Buffer.byteLength(bundle.manifestText);
  if (manifestBytes > limits.maxManifestBytes) {
    throw new WaftError('WAFT_E_BUNDLE_TOO_LARGE', `waft.toml has ${formatSize(manifestBytes)}; the server takes at most ${formatSize(limits.maxManifestBytes)}`);
  }
}

async function uploadBundle(client: ApiClient, app: string, bundle: Bundle, progress?: ProgressLine): Promise<UploadResult> {
  const bySha = new Map<string, BundleFile>();
  for (const f of bundle.files) if (!bySha.has(f.sha256)) bySha.set(f.sha256, f);
  const unique = [...bySha.values()];
  const present = await mapLimit(unique, 8, (f) => client.hasBlob(app, f.sha256));
  const missing = unique.filter((_, i) => !present[i]);
  const bytes = missing.reduce((n, f) => n + f.size, 0);
  progress?.start(missing.length, bytes);
  await mapLimit(missing, PARALLEL_UPLOADS, async (f) => {
    const counter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        progress?.bytes(chunk.length);
        done(null, chunk);
      },
    });
    const body = createReadStream(f.source).pipe(counter);
    await client.putBlob(app, f.sha256, f.size, body);
    progress?.fileDone();
  });
  progress?.finish();
  return { uploaded: missing.length, unchanged: unique.length - missing.length, uploadedBytes: bytes };
}

/** The whole of `waft deploy` after validation: app, blobs, version and (unless deploy: false) the deployment. */
export async function publishBundle(
  client: ApiClient,
  appName: string,
  bundle: Bundle,
  options: { deploy?: boolean; progress?: ProgressLine } = {},
): Promise<PublishResult> {
  const info = await client.info();
  checkLimits(bundle, info.limits);
  const { app, created } = await client.ensureApp(appName);
  const upload = await uploadBundle(client, appName, bundle, options.progress);
  const version = await client.createVersion(appName, bundle.manifestText, bundleEntries(bundle));
  if (options.deploy === false) return { ...upload, app, created, version };
  const { deployment, app: deployed } = await client.deploy(appName, version.number);
  return { ...upload, app: deployed, created, version, deployment };
}

/** Like Promise.all over items.map(fn), with at most `limit` calls running at once. */
async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failed: unknown = null;
  const worker = async () => {
    while (next < items.length && failed === null) {
      const i = next++;
      try {
        results[i] = await fn(items[i]);
      } catch (err) {
        failed ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failed !== null) throw failed;
  return results;
}
