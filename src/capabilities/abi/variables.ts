// var_get: the function's variable bindings, resolved when the app was loaded.
import { variableNamePattern } from '../../util/variable-name.ts';
import type { AbiContext } from './context.ts';

const encoder = new TextEncoder();

export function variableImports(ctx: AbiContext) {
  return {
    var_get(namePtr: number, nameLen: number, bufOut: number, lenOut: number): number {
      const name = ctx.string(namePtr, nameLen, 'variable name');
      const value = Object.hasOwn(ctx.grant.variables, name) ? ctx.grant.variables[name] : undefined;
      if (value === undefined) {
        const example = variableNamePattern.test(name) ? `, e.g. variables = { ${name} = "{{ ${name} }}" }` : '';
        return ctx.deny(`variable ${JSON.stringify(name)}`, `bind it in variables in [functions.${ctx.grant.function}]${example}`);
      }
      return ctx.giveBuffer(encoder.encode(value), bufOut, lenOut);
    },
  };
}
