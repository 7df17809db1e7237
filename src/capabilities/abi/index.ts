export { STATUS, statusOf, type Status } from './status.ts';
export { ABI_VERSION } from './core.ts';
export { ABI_MODULE, capabilityImports, abiFunctionNames } from './imports.ts';
export { emptyGrant, grantKey, type CapabilityGrant } from './grant.ts';
export { AbiContext } from './context.ts';
export { HandleTable, MAX_OPEN_HANDLES } from './buffers.ts';
export { encodeStrings, decodeStrings } from './encoding.ts';
export { LOG_LEVELS, MAX_LOG_MESSAGE } from './log.ts';

/** The module the sandbox loads in each worker to offer these capabilities (SandboxOptions.extension). */
export const abiExtension: URL = new URL('./extension.ts', import.meta.url);
