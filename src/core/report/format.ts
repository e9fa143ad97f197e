/** Human sizes in binary units, as `free -h` and systemd-cgtop print them. */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n)) return n === Infinity ? 'max' : '-';
  const units = ['B', 'K', 'M', 'G', 'T'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${v}B` : `${v < 10 ? v.toFixed(1) : Math.round(v)}${units[u]}`;
}

export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return n === Infinity ? 'max' : '-';
  return String(n);
}

/** Seconds as the largest unit or two: 45s, 3m, 2h05m, 4d3h. */
export function formatAge(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '-';
  const s = Math.floor(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86400) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(s / 86400)}d${Math.floor((s % 86400) / 3600)}h`;
}
