// Wraps a backend so that a test file knows which namespaces the suite used, to clean them up.
import type { KvBackend } from '../../../src/capabilities/kv/index.ts';

export function recording(backend: KvBackend, namespaces: Set<string>): KvBackend {
  return {
    open(store, namespace) {
      namespaces.add(namespace);
      return backend.open(store, namespace);
    },
    close: () => backend.close(),
  };
}
