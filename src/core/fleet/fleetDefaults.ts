/** The fleet's defaults, for the CLI's `fleet` and a later Fleet view alike. */
export const FLEET_DEFAULTS = {
  /** Nodes investigated at once. CLI --concurrency. */
  concurrency: 16,
  /**
   * Each node's bound, seconds. A 100,000-cgroup node takes a few seconds to walk over SSH; two
   * minutes leaves room for a slow link and a loaded node, and stops a hung one. CLI --node-timeout.
   */
  nodeTimeoutSeconds: 120,
} as const;

/**
 * A per-node path: `%n` in DIR becomes the node's name as listed, `%%` a `%` (ssh_config's token
 * for the name given). Names that would leave a directory (a `/`, `.` or `..`) are refused (undefined).
 */
export function perNodePath(dir: string, name: string): string | undefined {
  if (!dir.includes('%')) return dir;
  if (/\//.test(name) || name === '.' || name === '..') return undefined;
  return dir.replace(/%([%n])/g, (_m, t: string) => (t === '%' ? '%' : name));
}
