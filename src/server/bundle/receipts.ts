// Which blobs each app has uploaded. The blob store keeps one copy of identical bytes for the
// whole server, but a version may only use blobs its own app uploaded: otherwise anyone who
// knew (or guessed) a sha256 could build a version out of another user's files, or learn that
// those files exist. A receipt is an empty file DATA/receipts/<app id>/<sha256>, written after
// the blob itself is complete; a crash in between only means the client uploads it again.
import { mkdir, open, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { WaftError } from '../../errors.ts';
import { APP_ID, SHA256_HEX } from '../store/validate.ts';

export class Receipts {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
  }

  #path(appId: string, sha256: string): string {
    if (!APP_ID.test(appId) || !SHA256_HEX.test(sha256)) throw new WaftError('WAFT_E_INTERNAL', `bad receipt name ${appId}/${sha256}`);
    return join(this.dir, appId, sha256);
  }

  async add(appId: string, sha256: string): Promise<void> {
    const path = this.#path(appId, sha256);
    await mkdir(join(this.dir, appId), { recursive: true });
    await (await open(path, 'a')).close();
  }

  async has(appId: string, sha256: string): Promise<boolean> {
    try {
      return (await stat(this.#path(appId, sha256))).isFile();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
  }

  async removeApp(appId: string): Promise<void> {
    if (!APP_ID.test(appId)) return;
    await rm(join(this.dir, appId), { recursive: true, force: true });
  }
}
