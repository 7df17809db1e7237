/** App, function and key-value store names: they end up in URLs, subjects and file names. */
export const namePattern = /^[a-z][a-z0-9_-]*$/;
const nameMaxLength = 63;

/** Variable and binding names. */
export { variableNamePattern } from '../util/variable-name.ts';

/** Environment variable names as POSIX shells accept them. */
export const envNamePattern = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** App names become host names (`<app>.<server-domain>`), so they are DNS labels: no "_", no "-" at either end. */
const appNamePattern = /^[a-z](?:[a-z0-9-]*[a-z0-9])?$/;

/** Why `name` is not a valid app name, or null. */
export function appNameProblem(name: string): string | null {
  if (name.length > nameMaxLength) return `is longer than ${nameMaxLength} characters`;
  if (appNamePattern.test(name)) return null;
  const fixed = name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^[^a-z]+/, '').replace(/-+$/, '').slice(0, nameMaxLength);
  const hint = fixed !== '' && appNamePattern.test(fixed) ? `, e.g. "${fixed}"` : '';
  return `must be a DNS label (it becomes the app's host name): lowercase letters, digits and "-", starting with a letter and not ending with "-"${hint}`;
}

/** Why `name` is not a valid function/store name, or null. */
export function nameProblem(name: string): string | null {
  if (name.length > nameMaxLength) return `is longer than ${nameMaxLength} characters`;
  if (namePattern.test(name)) return null;
  const fixed = suggestName(name);
  const hint = fixed !== null ? `, e.g. "${fixed}"` : '';
  return `must use lowercase letters, digits, "-" and "_" and start with a letter${hint}`;
}

function suggestName(name: string): string | null {
  const fixed = name.toLowerCase().replace(/[^a-z0-9_-]+/g, '-').replace(/^[^a-z]+/, '').replace(/-+$/, '');
  return fixed !== '' && namePattern.test(fixed) ? fixed.slice(0, nameMaxLength) : null;
}
