// The deployed apps of this server, in memory: for each app its active version, loaded (every
// module compiled, the router built) and ready for the gateway. A deploy loads the new version
// first, then switches the store (one transaction) and then the in-memory pointer (one
// assignment). A request reads the pointer once, when it starts, and keeps that version to the
// end, so requests in flight finish on the version they started on and none sees a mix.
import { WaftError } from '../errors.ts';
import { loadApp, resolveAppVariables, type AppCapabilities, type LoadedApp } from '../host/app.ts';
import type { Logger } from '../host/logger.ts';
import { defaultRuntimeConfig, manifestFileName, parseManifest } from '../manifest/index.ts';
import type { AppManifest } from '../manifest/types.ts';
import { ModuleCache } from '../wasm/cache.ts';
import type { BlobStore } from './artifacts/blobs.ts';
import { ensureVersionDir, scrubPaths, type VersionDirs } from './bundle/stage.ts';
import type { App, Deployment, DeploymentKind, Store, Version } from './store/types.ts';
import { APP_ID } from './store/validate.ts';
import { join } from 'node:path';

export interface ServedApp extends LoadedApp {
  /** The app's name on the server (which may differ from [app] name in its waft.toml). */
  name: string;
  appId: string;
  versionId: string;
  versionNumber: number;
}

export interface AppSlot {
  appId: string;
  name: string;
  ownerId: string;
  active: ServedApp | null;
  /** Why the active version could not be loaded at start-up, if it could not. */
  loadError: WaftError | null;
}

/** How many loaded versions that are not active (invoked by version, or just replaced) are kept. */
const KEEP_INACTIVE = 8;

export interface RuntimeOptions {
  store: Store;
  blobs: BlobStore;
  dirs: VersionDirs;
  /** Per-app state that outlives versions (the default key-value store) lives under here. */
  appsDir: string;
  logger: Logger;
  /** Let an exact allowed_outbound_hosts entry reach private addresses (--allow-private-outbound). */
  allowPrivateOutbound?: boolean;
  /** Test hook: called at named points of a deploy (the crash test kills the server there). */
  onStep?: (step: string) => void;
}

export class AppRuntime {
  readonly cache = new ModuleCache();
  readonly #opts: RuntimeOptions;
  readonly #byName = new Map<string, AppSlot>();
  readonly #byId = new Map<string, AppSlot>();
  /** Loaded versions by id: the active ones, plus a few recent others (insertion order = age). */
  readonly #loaded = new Map<string, Promise<ServedApp>>();
  readonly #locks = new Map<string, Promise<unknown>>();
  deployments = 0;
  rollbacks = 0;

  constructor(opts: RuntimeOptions) {
    this.#opts = opts;
  }

  /** Loads the active version of every app in the store. An app that fails to load is logged and left down. */
  async start(): Promise<void> {
    const { store, logger } = this.#opts;
    for (const user of await store.users.list()) {
      for (const app of await store.apps.listByOwner(user.id)) {
        const slot = this.#slot(app);
        if (!app.activeVersionId) continue;
        try {
          const version = await store.versions.get(app.activeVersionId);
          if (!version) throw new WaftError('WAFT_E_VERSION_NOT_FOUND', `the active version ${app.activeVersionId} of app ${app.name} is not in the store`);
          slot.active = await this.load(version, app.name, null);
          logger.info(`Serving app "${app.name}" version ${version.number}`, { app: app.name, version: version.number });
        } catch (err) {
          slot.loadError = WaftError.wrap(err);
          logger.warn(`App "${app.name}" cannot be served: ${slot.loadError.message} [${slot.loadError.code}]`, { app: app.name });
        }
      }
    }
  }

  #slot(app: App): AppSlot {
    let slot = this.#byId.get(app.id);
    if (!slot) {
      slot = { appId: app.id, name: app.name, ownerId: app.ownerId, active: null, loadError: null };
      this.#byId.set(app.id, slot);
      this.#byName.set(app.name, slot);
    }
    return slot;
  }

  get deployedCount(): number {
    let n = 0;
    for (const slot of this.#byId.values()) if (slot.active) n++;
    return n;
  }

  /** The app as the gateway sees it; undefined when no such app exists. */
  lookup(name: string): AppSlot | undefined {
    return this.#byName.get(name);
  }

  added(app: App): void {
    this.#slot(app);
  }

  /** The app is gone: new requests get 404 at once; requests in flight finish. */
  removed(app: App): void {
    const slot = this.#byId.get(app.id);
    if (!slot) return;
    this.#byId.delete(app.id);
    if (this.#byName.get(app.name) === slot) this.#byName.delete(app.name);
    if (slot.active) this.#loaded.delete(slot.active.versionId);
    slot.active = null;
  }

  /** A version loaded for serving: its directory (rebuilt from blobs when missing), parsed and compiled. */
  load(version: Version, appName: string, previous: ServedApp | null): Promise<ServedApp> {
    let entry = this.#loaded.get(version.id);
    if (entry) {
      // Refresh its age.
      this.#loaded.delete(version.id);
      this.#loaded.set(version.id, entry);
      return entry;
    }
    entry = this.#loadVersion(version, appName, previous);
    this.#loaded.set(version.id, entry);
    entry.catch(() => { if (this.#loaded.get(version.id) === entry) this.#loaded.delete(version.id); });
    this.#evict();
    return entry;
  }

  async #loadVersion(version: Version, appName: string, previous: ServedApp | null): Promise<ServedApp> {
    const { dirs, blobs } = this.#opts;
    const dir = await ensureVersionDir(dirs, blobs, version);
    try {
      const manifest = parseManifest(version.manifest, join(dir, manifestFileName));
      const loaded = await loadApp(manifest, this.cache, previous ?? undefined, await this.capabilities(version.appId, manifest));
      // The server's app name, which may differ from [app] name in waft.toml.
      return Object.assign(loaded, { name: appName, appId: version.appId, versionId: version.id, versionNumber: version.number });
    } catch (err) {
      throw scrubPaths(err, dir);
    }
  }

  /**
   * What an app's functions get on this server: the default key-value store in the app's own
   * directory (so its data outlives versions, and no app shares another's), the default
   * outbound limits, and the variables' defaults. The server's environment is never read, and
   * private, loopback and link-local addresses stay out of reach unless the operator allows them:
   * one user's app must not see what the operator set for the server, nor reach its network.
   */
  async capabilities(appId: string, manifest: AppManifest): Promise<AppCapabilities> {
    if (!APP_ID.test(appId)) throw new WaftError('WAFT_E_INTERNAL', `bad app id ${appId}`);
    const runtime = defaultRuntimeConfig(join(this.#opts.appsDir, appId));
    runtime.outbound.privateAddresses = this.#opts.allowPrivateOutbound === true;
    return {
      runtime,
      variables: await resolveAppVariables(manifest, { env: {}, envFile: null }),
    };
  }

  #evict(): void {
    const active = new Set<string>();
    for (const slot of this.#byId.values()) if (slot.active) active.add(slot.active.versionId);
    let inactive = 0;
    for (const id of [...this.#loaded.keys()].reverse()) {
      if (active.has(id)) continue;
      if (++inactive > KEEP_INACTIVE) this.#loaded.delete(id);
    }
  }

  /** Deletes the app (fn does it in the store) with no deploy of it running, then stops serving it. */
  deleteApp<T>(app: App, fn: () => Promise<T>): Promise<T> {
    return this.#locked(app.id, async () => {
      const result = await fn();
      this.removed(app);
      return result;
    });
  }

  /** Runs fn with the app's deploy lock held, so that deploys of one app never interleave. */
  async #locked<T>(appId: string, fn: () => Promise<T>): Promise<T> {
    const before = this.#locks.get(appId) ?? Promise.resolve();
    const run = before.then(fn, fn);
    const tail = run.catch(() => {});
    this.#locks.set(appId, tail);
    try {
      return await run;
    } finally {
      if (this.#locks.get(appId) === tail) this.#locks.delete(appId);
    }
  }

  /**
   * Makes `version` the one serving `app`. The version is loaded before anything changes; if
   * that fails, nothing changes. The store switch and the in-memory switch follow in that order,
   * so a crash in between leaves the store's choice, which the next start serves.
   */
  deploy(app: App, version: Version, userId: string, kind: DeploymentKind | 'auto'): Promise<{ deployment: Deployment; served: ServedApp }> {
    return this.#locked(app.id, async () => {
      const { store, logger, onStep } = this.#opts;
      const slot = this.#slot(app);
      const previous = slot.active;
      const served = await this.load(version, app.name, previous);
      const resolvedKind: DeploymentKind = kind !== 'auto' ? kind : previous && version.number < previous.versionNumber ? 'rollback' : 'deploy';
      logger.info(`Activating version ${version.number} of app "${app.name}" (${resolvedKind})`, { app: app.name, version: version.number, kind: resolvedKind });
      onStep?.('activate');
      const deployment = await store.deployments.activate(app.id, version.id, userId, resolvedKind);
      slot.active = served;
      slot.loadError = null;
      if (resolvedKind === 'rollback') this.rollbacks++;
      else this.deployments++;
      this.#evict();
      return { deployment, served };
    });
  }
}
