export type { AppManifest, BuildSpec, FileMount, FunctionSpec, Limits, Position, VariableSpec } from './types.ts';
export { defaultLimits, limitRanges } from './defaults.ts';
export { loadManifest, manifestFileName, manifestVersion, parseManifest } from './load.ts';
export {
  checkKeyValueStores,
  defaultRuntimeConfig,
  defaultSqlitePath,
  loadRuntimeConfig,
  parseRuntimeConfig,
  type KvStoreConfig,
  type RuntimeConfig,
} from './runtime-config.ts';
export { parseTemplate, renderTemplate, type TemplatePart } from './templates.ts';
export type { Issue } from './issues.ts';
