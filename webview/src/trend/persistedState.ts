/** What VS Code keeps across reloads (getState/setState) and hands to the panel serializer. */
export interface PersistedState {
  v: 1;
  /** The node shown, so a restored panel knows whose history to read. */
  nodeId?: string;
  /** Series keys the user hid (new series show by default). */
  hidden: string[];
  showDying: boolean;
}

/** The saved state, field by field: whatever getState() returns was written by an older page or by nobody. */
export function restoreState(raw: unknown): PersistedState {
  const s: PersistedState = { v: 1, hidden: [], showDying: true };
  if (typeof raw !== 'object' || raw === null) return s;
  const r = raw as Record<string, unknown>;
  if (typeof r.nodeId === 'string') s.nodeId = r.nodeId;
  if (Array.isArray(r.hidden)) s.hidden = r.hidden.filter((k): k is string => typeof k === 'string').slice(0, 10_000);
  if (typeof r.showDying === 'boolean') s.showDying = r.showDying;
  return s;
}
