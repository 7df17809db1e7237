export { resolveVariables, expandTemplate, envVarName } from './resolve.ts';
export type { VariableDecl, VariableSources, ResolvedVariables } from './resolve.ts';
export { parseDotenv } from './dotenv.ts';
export { Redactor } from './redact.ts';
