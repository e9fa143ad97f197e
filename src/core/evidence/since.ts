/**
 * When to read logs from, as people write it: "30m", "2h", "7d", "90s" back from now, "@EPOCH"
 * (epoch seconds) or an ISO date. Epoch seconds, or undefined for anything else. Shared by the
 * CLI's --since and the extension's cgroupForensics.evidence.since.
 */
export function sinceSeconds(text: string, nowSeconds: number): number | undefined {
  return inRange(parseSince(text.trim(), nowSeconds));
}

/** A time a date can hold (1970 .. year 9999): "@99999999999999" is not one. */
function inRange(t: number | undefined): number | undefined {
  return t !== undefined && Number.isSafeInteger(t) && t >= 0 && t <= 253_402_300_799 ? t : undefined;
}

function parseSince(t: string, nowSeconds: number): number | undefined {
  const rel = /^(\d+)\s*([smhd])$/.exec(t);
  // Further back than 1970 is from the beginning.
  if (rel) return Math.max(0, nowSeconds - Number(rel[1]) * { s: 1, m: 60, h: 3600, d: 86400 }[rel[2] as 's' | 'm' | 'h' | 'd']);
  const epoch = /^@(\d+)$/.exec(t);
  if (epoch) return Number(epoch[1]);
  if (/^\d{4}-\d\d-\d\d/.test(t)) {
    const ms = Date.parse(t);
    if (!Number.isNaN(ms)) return Math.floor(ms / 1000);
  }
  return undefined;
}

export const SINCE_FORMS = '30m, 2h, 7d, @EPOCH or an ISO date';
