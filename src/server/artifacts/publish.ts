// Creating a version whose files are all on disk. Order of a deploy: put() every blob (each is
// complete and durable when put() returns), then publishVersion(), then activate. A crash
// before the version transaction commits leaves at most unreferenced blobs; a crash after it
// leaves a complete version. The active version only changes in deployments.activate().
import { WaftError } from '../../errors.ts';
import type { BundleFiles, Store, Version } from '../store/types.ts';
import { checkBundleFiles } from '../store/validate.ts';
import type { BlobStore } from './blobs.ts';

/** At most this many missing files are listed in the error's details. */
export const MISSING_SHOWN = 20;

export async function publishVersion(
  store: Store,
  blobs: BlobStore,
  version: { appId: string; createdBy: string; manifest: string; files: BundleFiles },
): Promise<Version> {
  const entries = checkBundleFiles(version.files);
  const sizes = new Map<string, number | null>();
  for (const [, f] of entries) {
    if (sizes.has(f.sha256)) continue;
    sizes.set(f.sha256, (await blobs.has(f.sha256)) ? await blobs.size(f.sha256) : null);
  }
  const missing = entries
    .filter(([, f]) => sizes.get(f.sha256) !== f.size)
    .map(([path, f]) => ({ path, sha256: f.sha256, size: f.size, stored: sizes.get(f.sha256) ?? null }));
  if (missing.length > 0) {
    const first = missing[0];
    throw new WaftError(
      'WAFT_E_BLOB_MISSING',
      `${missing.length} bundle file${missing.length > 1 ? 's are' : ' is'} not uploaded, e.g. ${first.path} (sha256 ${first.sha256}, ${first.size} bytes${first.stored === null ? '' : `; the stored blob has ${first.stored}`})`,
      { missing: missing.slice(0, MISSING_SHOWN), count: missing.length },
    );
  }
  return store.versions.create(version.appId, version.createdBy, version.manifest, version.files);
}
