/** Expected failures (an unreachable node, a directory that is not a cgroup) are values, not throws. */
export type Result<T, E = ProbeError> = { ok: true; value: T } | { ok: false; error: E };

export type ProbeErrorCode =
  | 'no-such-directory'
  | 'not-cgroupfs'
  | 'no-mountinfo'
  | 'bad-input'
  | 'permission-denied'
  | 'truncated'
  | 'protocol'
  | 'transport'
  | 'cancelled';

export interface ProbeError {
  code: ProbeErrorCode;
  message: string;
}

export function ok<T>(value: T): Result<T, never> {
  return { ok: true, value };
}

export function fail<E>(error: E): Result<never, E> {
  return { ok: false, error };
}
