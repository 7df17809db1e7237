// An error the server sent, kept exactly as sent: its code may be one this CLI does not know (a
// newer server), and its hint is the server's, so it is not turned into a local WaftError.
import { errorSpecs, isErrorCode, WaftError } from '../../errors.ts';

export interface ServerErrorBody {
  code: string;
  message: string;
  details?: Record<string, unknown>;
  hint?: string;
  requestId?: string;
}

export class ServerError extends Error {
  readonly status: number;
  readonly code: string;
  readonly hint: string | undefined;
  readonly details: Record<string, unknown> | undefined;
  readonly requestId: string | undefined;

  constructor(status: number, body: ServerErrorBody) {
    super(body.message);
    this.name = 'ServerError';
    this.status = status;
    this.code = body.code;
    this.hint = body.hint;
    this.details = body.details;
    this.requestId = body.requestId;
  }

  /** Reads an error body; anything that is not waft's error shape still becomes a readable error. */
  static fromResponse(status: number, text: string, requestId?: string): ServerError {
    try {
      const parsed = JSON.parse(text) as { error?: Partial<ServerErrorBody> };
      const e = parsed?.error;
      if (e && typeof e.code === 'string' && typeof e.message === 'string') {
        return new ServerError(status, {
          code: e.code, message: e.message, hint: typeof e.hint === 'string' ? e.hint : undefined,
          details: e.details && typeof e.details === 'object' ? e.details : undefined,
          requestId: typeof e.requestId === 'string' ? e.requestId : requestId,
        });
      }
    } catch {
      // not JSON: fall through
    }
    const shown = text.trim().slice(0, 300) || '(empty body)';
    return new ServerError(status, {
      code: 'WAFT_E_INTERNAL',
      message: `the server answered HTTP ${status} without a waft error body: ${shown}`,
      hint: 'Check that --server points at a waft server (not a proxy or another service), and look at the server\'s log.',
      requestId,
    });
  }
}

/** The lines printed for an error: message and code, then each listed problem, the hint and the request id. */
function formatError(err: unknown): string {
  let code: string;
  let message: string;
  let hint: string | undefined;
  let details: Record<string, unknown> | undefined;
  let requestId: string | undefined;
  if (err instanceof ServerError) {
    ({ code, message, hint, details, requestId } = err);
  } else {
    const e = WaftError.wrap(err);
    ({ code, message, details } = e);
    // a usage error's message already says what to type; the generic usage hint adds nothing
    hint = e.code === 'WAFT_E_USAGE' ? undefined : e.hint;
  }
  let text = `waft: error: ${message} [${code}]\n`;
  const problems = Array.isArray(details?.errors) ? (details.errors as Record<string, unknown>[]) : [];
  if (problems.length > 1) {
    for (const p of problems) text += `  - ${String(p.message)} [${String(p.code)}]\n`;
  }
  const missing = Array.isArray(details?.missing) ? (details.missing as Record<string, unknown>[]) : [];
  for (const m of missing) text += `  - not uploaded: ${String(m.path)} (sha256 ${String(m.sha256)}, ${String(m.size)} bytes)\n`;
  if (typeof details?.field === 'string') text += `  field: ${details.field}\n`;
  if (hint) text += `  hint: ${hint}\n`;
  if (requestId) text += `  request id: ${requestId}\n`;
  return text;
}

export function printErrorWithHint(err: unknown): void {
  process.stderr.write(formatError(err));
}

/** The hint of a code this CLI knows, for errors that reach it without one (e.g. an invocation's). */
export function localHint(code: string): string | undefined {
  return isErrorCode(code) ? errorSpecs[code].hint : undefined;
}

/**
 * Runs a command body and prints its errors in full (message, code, problems, hint). Usage errors
 * exit 2, everything else 1. Unknown errors go back to main's handler, which reports them as bugs.
 */
export async function reportErrors(body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (err) {
    if (err instanceof ServerError || (err instanceof WaftError && err.code !== 'WAFT_E_INTERNAL')) {
      printErrorWithHint(err);
      return err instanceof WaftError && err.code === 'WAFT_E_USAGE' ? 2 : 1;
    }
    throw err;
  }
}
