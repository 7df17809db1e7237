// Apps, their blobs, versions and deployments.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { WaftError } from '../../errors.ts';
import { loadApp } from '../../host/app.ts';
import { MISSING_SHOWN, publishVersion } from '../artifacts/publish.ts';
import { checkBundle } from '../bundle/check.ts';
import { checkManifestAgainstBundle, commitStaged, newStagingDir, removeVersionDir, scrubPaths, stageFiles } from '../bundle/stage.ts';
import type { App, Version } from '../store/types.ts';
import { SHA256_HEX } from '../store/validate.ts';
import { caller, findVersion, ownedApp, versionRef } from './access.ts';
import { readJson, sendJson } from './http.ts';
import type { ApiRequest, ApiRoute } from './router.ts';
import { integer, invalid, object, optional, record, string } from './schema.ts';
import { appView, deploymentView, versionView } from './views.ts';

const newApp = object({ name: string({ min: 1, max: 63 }) });

const deployBody = object({ version: versionRef });
const rollbackBody = object({ version: optional(versionRef) });

const newVersion = object({
  manifest: string(),
  files: record(object({
    sha256: string({ pattern: SHA256_HEX, patternText: 'a sha256 in 64 lower-case hex digits' }),
    size: integer({ min: 0 }),
  })),
});

async function deployed(r: ApiRequest, app: App, version: Version, kind: 'auto' | 'rollback') {
  const { ctx } = r;
  const user = caller(r);
  const { deployment } = await ctx.runtime.deploy(app, version, user.id, kind);
  ctx.accounting.system(app.id, version.id, `${deployment.kind === 'rollback' ? 'Rolled back' : 'Deployed'} to version ${version.number} by ${user.name}`);
  ctx.logger.info(`App "${app.name}" now serves version ${version.number} (${deployment.kind} by ${user.name})`, { app: app.name, version: version.number });
  const fresh = (await ctx.store.apps.get(app.id)) ?? app;
  sendJson(r.res, 201, { deployment: await deploymentView(ctx, deployment), app: await appView(ctx, fresh) });
}

export const appRoutes: ApiRoute[] = [
  {
    method: 'GET', pattern: '/api/v1/apps', scope: 'apps:read',
    async handler(r) {
      const apps = await r.ctx.store.apps.listByOwner(caller(r).id);
      sendJson(r.res, 200, { apps: await Promise.all(apps.map((a) => appView(r.ctx, a))) });
    },
  },
  {
    method: 'POST', pattern: '/api/v1/apps', scope: 'apps:write',
    async handler(r) {
      const body = newApp.parse(await readJson(r.req, r.ctx.limits.maxJsonBytes), 'body');
      const app = await r.ctx.store.apps.create(caller(r).id, body.name);
      r.ctx.runtime.added(app);
      r.ctx.logger.info(`App "${app.name}" created by "${caller(r).name}"`, { app: app.name });
      sendJson(r.res, 201, { app: await appView(r.ctx, app) });
    },
  },
  {
    method: 'GET', pattern: '/api/v1/apps/:app', scope: 'apps:read',
    async handler(r) {
      sendJson(r.res, 200, { app: await appView(r.ctx, await ownedApp(r)) });
    },
  },
  {
    method: 'DELETE', pattern: '/api/v1/apps/:app', scope: 'apps:write',
    async handler(r) {
      const { ctx } = r;
      const app = await ownedApp(r);
      const versions = await ctx.runtime.deleteApp(app, async () => {
        const list = await ctx.store.versions.list(app.id);
        await ctx.store.apps.delete(app.id);
        return list;
      });
      await ctx.receipts.removeApp(app.id);
      for (const v of versions) await removeVersionDir(ctx.dirs, v.id);
      await rm(join(ctx.appsDir, app.id), { recursive: true, force: true });
      ctx.logger.info(`App "${app.name}" deleted by "${caller(r).name}"`, { app: app.name });
      sendJson(r.res, 200, { deleted: true });
    },
  },
  {
    method: 'PUT', pattern: '/api/v1/apps/:app/blobs/:sha256', scope: 'apps:write',
    async handler(r) {
      const { ctx } = r;
      const app = await ownedApp(r);
      const sha256 = r.params.sha256;
      if (!SHA256_HEX.test(sha256)) {
        throw new WaftError('WAFT_E_BLOB_HASH_INVALID', `${JSON.stringify(sha256.slice(0, 80))} is not a sha256 in 64 lower-case hex digits`, { sha256: sha256.slice(0, 80) });
      }
      const max = ctx.limits.maxBundleBytes;
      const declared = r.req.headers['content-length'];
      if (declared !== undefined && Number(declared) > max) {
        throw new WaftError('WAFT_E_BUNDLE_TOO_LARGE', `the upload is ${declared} bytes, over the limit of ${max} bytes`, { maxBytes: max, size: Number(declared) });
      }
      const stored = await ctx.blobs.put(r.req, { maxBytes: max, expectedSha256: sha256 });
      await ctx.receipts.add(app.id, stored.sha256);
      sendJson(r.res, 201, stored);
    },
  },
  {
    method: 'HEAD', pattern: '/api/v1/apps/:app/blobs/:sha256', scope: 'apps:write',
    async handler(r) {
      const { ctx } = r;
      const app = await ownedApp(r);
      const sha256 = r.params.sha256;
      const has = SHA256_HEX.test(sha256) && await ctx.receipts.has(app.id, sha256) && await ctx.blobs.has(sha256);
      if (!has) {
        r.res.writeHead(404, { 'cache-control': 'no-store' }).end();
        return;
      }
      r.res.writeHead(200, { 'content-length': String(await ctx.blobs.size(sha256)), 'content-type': 'application/octet-stream', 'cache-control': 'no-store' }).end();
    },
  },
  {
    method: 'GET', pattern: '/api/v1/apps/:app/versions', scope: 'apps:read',
    async handler(r) {
      const app = await ownedApp(r);
      const versions = await r.ctx.store.versions.list(app.id);
      sendJson(r.res, 200, { versions: versions.map((v) => versionView(app, v, false)) });
    },
  },
  {
    method: 'POST', pattern: '/api/v1/apps/:app/versions', scope: 'apps:write',
    async handler(r) {
      const { ctx } = r;
      const { limits } = ctx;
      const app = await ownedApp(r);
      const body = newVersion.parse(await readJson(r.req, limits.maxVersionJsonBytes), 'body');
      const manifestBytes = Buffer.byteLength(body.manifest);
      if (manifestBytes > limits.maxManifestBytes) {
        throw new WaftError('WAFT_E_BUNDLE_TOO_LARGE', `the manifest is ${manifestBytes} bytes, over the limit of ${limits.maxManifestBytes}`, { size: manifestBytes, maxBytes: limits.maxManifestBytes });
      }
      if (body.manifest.includes('\0')) throw invalid('body.manifest', 'holds a NUL character');
      const { entries, paths } = checkBundle(body.files, limits);

      // Every blob must have been uploaded by this app (see bundle/receipts.ts).
      const missing: { path: string; sha256: string; size: number }[] = [];
      const checked = new Map<string, boolean>();
      for (const [path, f] of entries) {
        let ok = checked.get(f.sha256);
        if (ok === undefined) {
          ok = await ctx.receipts.has(app.id, f.sha256) && await ctx.blobs.has(f.sha256) && (await ctx.blobs.size(f.sha256)) === f.size;
          checked.set(f.sha256, ok);
        }
        if (!ok) missing.push({ path, sha256: f.sha256, size: f.size });
      }
      if (missing.length > 0) {
        const first = missing[0];
        throw new WaftError('WAFT_E_BLOB_MISSING',
          `${missing.length} bundle file${missing.length > 1 ? 's are' : ' is'} not uploaded for app ${app.name}, e.g. ${first.path} (sha256 ${first.sha256}, ${first.size} bytes); PUT /api/v1/apps/${app.name}/blobs/<sha256> each first`,
          { missing: missing.slice(0, MISSING_SHOWN), count: missing.length });
      }

      const staged = await newStagingDir(ctx.dirs);
      let version: Version;
      try {
        try {
          const manifest = checkManifestAgainstBundle(body.manifest, staged, paths);
          await stageFiles(staged, ctx.blobs, body.manifest, entries);
          await loadApp(manifest, ctx.runtime.cache, undefined, await ctx.runtime.capabilities(app.id, manifest));
        } catch (err) {
          throw scrubPaths(err, staged);
        }
        ctx.logger.info(`Storing a new version of app "${app.name}" (${entries.length} files)`, { app: app.name });
        ctx.onStep?.('publish');
        version = await publishVersion(ctx.store, ctx.blobs, {
          appId: app.id, createdBy: caller(r).id, manifest: body.manifest, files: Object.fromEntries(entries),
        });
        ctx.onStep?.('published');
      } catch (err) {
        await rm(staged, { recursive: true, force: true });
        throw err;
      }
      await commitStaged(ctx.dirs, staged, version.id);
      ctx.accounting.system(app.id, version.id, `Version ${version.number} uploaded by ${caller(r).name}`);
      ctx.logger.info(`App "${app.name}" has a new version ${version.number}`, { app: app.name, version: version.number });
      sendJson(r.res, 201, { version: versionView(app, version, true) });
    },
  },
  {
    method: 'GET', pattern: '/api/v1/apps/:app/versions/:version', scope: 'apps:read',
    async handler(r) {
      const app = await ownedApp(r);
      sendJson(r.res, 200, { version: versionView(app, await findVersion(r, app, r.params.version), true) });
    },
  },
  {
    method: 'GET', pattern: '/api/v1/apps/:app/deployments', scope: 'apps:read',
    async handler(r) {
      const app = await ownedApp(r);
      const list = await r.ctx.store.deployments.list(app.id);
      sendJson(r.res, 200, { deployments: await Promise.all(list.map((d) => deploymentView(r.ctx, d))) });
    },
  },
  {
    method: 'POST', pattern: '/api/v1/apps/:app/deployments', scope: 'deploy',
    async handler(r) {
      const app = await ownedApp(r);
      const body = deployBody.parse(await readJson(r.req, r.ctx.limits.maxJsonBytes), 'body');
      await deployed(r, app, await findVersion(r, app, body.version), 'auto');
    },
  },
  {
    method: 'POST', pattern: '/api/v1/apps/:app/rollback', scope: 'deploy',
    async handler(r) {
      const app = await ownedApp(r);
      const raw = await readJson(r.req, r.ctx.limits.maxJsonBytes, true);
      const body = rollbackBody.parse(raw ?? {}, 'body');
      let version: Version;
      if (body.version !== undefined) {
        version = await findVersion(r, app, body.version);
      } else {
        const target = (await r.ctx.store.deployments.list(app.id)).find((d) => d.versionId !== app.activeVersionId);
        const found = target ? await r.ctx.store.versions.get(target.versionId) : null;
        if (!found) {
          throw new WaftError('WAFT_E_ROLLBACK_NO_TARGET', `app ${app.name} has no earlier deployment of another version to roll back to`, { app: app.name });
        }
        version = found;
      }
      await deployed(r, app, version, 'rollback');
    },
  },
];
