export { STATUS } from './status.ts';
export { abiFunctionNames } from './imports.ts';
export { grantKey, type CapabilityGrant } from './grant.ts';

/** The module the sandbox loads in each worker to offer these capabilities (SandboxOptions.extension). */
export const abiExtension: URL = new URL('./extension.ts', import.meta.url);
