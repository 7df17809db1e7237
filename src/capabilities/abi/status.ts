// The status codes of the guest ABI (docs/abi.md). Stable: new codes may be added, never changed.
import type { ErrorCode } from '../../errors.ts';

export const STATUS = {
  OK: 0,
  DENIED: 1,
  NOT_FOUND: 2,
  TOO_LARGE: 3,
  UNAVAILABLE: 4,
  INVALID: 5,
  TIMEOUT: 6,
  BAD_HANDLE: 7,
  INTERNAL: 8,
  CONFLICT: 9,
} as const;

export type Status = (typeof STATUS)[keyof typeof STATUS];

const byCode: Partial<Record<ErrorCode, Status>> = {
  WAFT_E_KV_BAD_KEY: STATUS.INVALID,
  WAFT_E_KV_BAD_NAME: STATUS.INVALID,
  WAFT_E_KV_BAD_ARGUMENT: STATUS.INVALID,
  WAFT_E_KV_TOO_LARGE: STATUS.TOO_LARGE,
  WAFT_E_KV_NOT_INTEGER: STATUS.CONFLICT,
  WAFT_E_KV_UNAVAILABLE: STATUS.UNAVAILABLE,
  WAFT_E_KV_CLOSED: STATUS.UNAVAILABLE,
  WAFT_E_KV_CONFIG: STATUS.UNAVAILABLE,
  WAFT_E_HTTP_DENIED: STATUS.DENIED,
  WAFT_E_HTTP_INVALID_REQUEST: STATUS.INVALID,
  WAFT_E_HTTP_ALLOWED_HOST_INVALID: STATUS.INVALID,
  WAFT_E_HTTP_BODY_TOO_LARGE: STATUS.TOO_LARGE,
  WAFT_E_HTTP_TIMEOUT: STATUS.TIMEOUT,
  WAFT_E_HTTP_UNREACHABLE: STATUS.UNAVAILABLE,
  WAFT_E_HTTP_CLOSED: STATUS.UNAVAILABLE,
};

/** The status a guest gets for a capability's coded error. */
export function statusOf(code: ErrorCode): Status {
  return byCode[code] ?? STATUS.INTERNAL;
}
