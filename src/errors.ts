/**
 * The one error type. `message` is for people (Chinese, shown to users as it is); `code` is for
 * programs; `status` is the HTTP status when it reaches a route; `detail` goes to logs only.
 */
export type ErrorCode =
  | 'bad_request'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'payload_too_large'
  | 'rate_limited'
  | 'unavailable'
  | 'wecom'
  | 'internal';

const STATUS: Record<ErrorCode, number> = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  rate_limited: 429,
  unavailable: 503,
  wecom: 502,
  internal: 500,
};

export class AppError extends Error {
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly detail?: unknown,
  ) {
    super(message);
    this.name = 'AppError';
    this.status = STATUS[code];
  }
}

export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError;
}

/** What a user may be shown about any error: its own message if it is ours, a generic one otherwise. */
export function publicMessage(err: unknown): string {
  return isAppError(err) && err.status < 500 ? err.message : '系统内部错误，请稍后再试';
}
