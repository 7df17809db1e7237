import { watch, type FSWatcher } from 'node:fs';
import { matchesGlob, relative, resolve } from 'node:path';
import type { AppManifest, FunctionSpec } from '../manifest/types.ts';

/** Source files that trigger a rebuild when a function's build names no `watch` patterns. */
const defaultWatch = ['**/*.c', '**/*.h', '**/*.rs', '**/*.ts', '**/*.wat', '**/*.zig', '**/*.go', '**/Cargo.toml'];
const ignored = /(^|\/)(\.waft|node_modules|\.git|target)(\/|$)/;

export interface Change {
  /** Functions whose sources changed and must be rebuilt first. */
  rebuild: FunctionSpec[];
}

/**
 * Watches an app's directory. Changes are gathered for `debounceMs`, then `onChange` runs with
 * the functions to rebuild; any change at all (waft.toml, a module, a static file) means reload.
 */
export function watchApp(getManifest: () => AppManifest, onChange: (change: Change) => Promise<void>, debounceMs = 150): FSWatcher {
  const dir = getManifest().dir;
  const changed = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const fire = () => {
    const files = [...changed];
    changed.clear();
    const manifest = getManifest();
    const rebuild = manifest.functions.filter((f) => f.build && files.some((file) => {
      const rel = relative(f.build!.workdir, resolve(dir, file));
      const patterns = f.build!.watch.length ? f.build!.watch : defaultWatch;
      return !rel.startsWith('..') && patterns.some((p) => matchesGlob(rel, p) || matchesGlob(rel, `**/${p}`));
    }));
    running = running.then(() => onChange({ rebuild }));
  };
  return watch(dir, { recursive: true }, (_event, file) => {
    if (!file || ignored.test(file)) return;
    changed.add(file);
    clearTimeout(timer);
    timer = setTimeout(fire, debounceMs);
  });
}
