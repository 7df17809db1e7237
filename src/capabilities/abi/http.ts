// The outbound HTTP imports (docs/abi.md). Every request goes through the worker's OutboundHttp
// for the grant, which checks allowed_outbound_hosts and the SSRF policy at connect time.
import { WaftError } from '../../errors.ts';
import { concatBytes } from '../../util/bytes.ts';
import { suggestedGrant } from '../http/allowed-hosts.ts';
import type { AbiContext } from './context.ts';
import { AbiFailure, dropBody } from './context.ts';
import { decodeStrings, encodeStrings } from './encoding.ts';
import { STATUS, type Status } from './status.ts';

async function readBody(body: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return concatBytes(chunks);
}

/** The one log line and DENIED status for a request the grant does not allow. */
function denied(ctx: AbiContext, err: WaftError): Status {
  const where = `allowed_outbound_hosts in [functions.${ctx.grant.function}]`;
  const url = typeof err.details?.url === 'string' ? err.details.url : '(unknown URL)';
  if (err.details?.address === undefined) {
    let grant: string;
    try {
      grant = suggestedGrant(new URL(url));
    } catch {
      grant = url;
    }
    return ctx.deny(`outbound request to ${url}`, `add "${grant}" to ${where}`);
  }
  const reason = err.message.includes(' denied: ') ? err.message.slice(err.message.indexOf(' denied: ') + 9) : err.message;
  return ctx.deny(`outbound request to ${url}`, `${reason} (${where})`);
}

export function httpImports(ctx: AbiContext) {
  return {
    async http_request(
      methodPtr: number, methodLen: number, urlPtr: number, urlLen: number, headersPtr: number, headersLen: number,
      bodyPtr: number, bodyLen: number, responseOut: number,
    ): Promise<number> {
      const method = ctx.string(methodPtr, methodLen, 'method');
      const url = ctx.string(urlPtr, urlLen, 'URL');
      const list = decodeStrings(ctx.memory.slice(headersPtr, headersLen >>> 0), 'header list');
      if (list.length % 2 !== 0) throw new AbiFailure(STATUS.INVALID, `the header list has ${list.length} strings; it must hold name, value pairs`);
      const headers: [string, string][] = [];
      for (let i = 0; i < list.length; i += 2) headers.push([list[i], list[i + 1]]);
      // A copy, for the same reason as kv_set's value.
      const body = bodyLen === 0 ? null : ctx.memory.slice(bodyPtr, bodyLen >>> 0).slice();
      ctx.reserve();
      let res;
      try {
        const client = await ctx.wait(ctx.backends.http(ctx.grant));
        res = await ctx.wait(client.fetch({ method, url, headers, body }, ctx.signal));
      } catch (err) {
        if (err instanceof WaftError && err.code === 'WAFT_E_HTTP_DENIED' && !ctx.aborted) return denied(ctx, err);
        throw err;
      }
      ctx.memory.setU32(responseOut, ctx.handles.add({ kind: 'response', response: res, body: null }));
      return STATUS.OK;
    },

    http_response_status(handle: number, statusOut: number): number {
      ctx.memory.setU32(statusOut, ctx.entry(handle, 'response').response.status);
      return STATUS.OK;
    },

    http_response_headers(handle: number, bufOut: number, lenOut: number): number {
      const entry = ctx.entry(handle, 'response');
      return ctx.giveBuffer(encodeStrings(entry.response.headers.flat()), bufOut, lenOut);
    },

    async http_response_body(handle: number, bufOut: number, lenOut: number): Promise<number> {
      const entry = ctx.entry(handle, 'response');
      ctx.reserve();
      if (entry.body === null) {
        // Kept as a promise: a body that failed half-way fails again, instead of reading as empty.
        entry.body = readBody(entry.response.body);
        entry.body.catch(() => {});
      }
      return ctx.giveBuffer(await ctx.wait(entry.body), bufOut, lenOut);
    },

    http_response_drop(handle: number): number {
      const entry = ctx.release(handle, 'response');
      if (entry.body === null) dropBody(entry.response.body);
      return STATUS.OK;
    },
  };
}

export const httpAsyncImports = ['http_request', 'http_response_body'];
