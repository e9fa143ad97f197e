import { MEASURES, type Measure } from './layout';

/** What VS Code keeps across reloads (getState/setState) and hands to the panel serializer. */
export interface PersistedState {
  v: 1;
  measure: Measure;
  hierarchy?: string;
  zoomPath?: string;
  selectedPath?: string;
  search: string;
  /** The node id of the snapshot shown, so a restored panel knows what to scan again. */
  source?: string;
}

/** The saved state, field by field: whatever getState() returns was written by an older page or by nobody. */
export function restoreState(raw: unknown): PersistedState {
  const s: PersistedState = { v: 1, measure: 'cgroups', search: '' };
  if (typeof raw !== 'object' || raw === null) return s;
  const r = raw as Record<string, unknown>;
  if (typeof r.measure === 'string' && (MEASURES as readonly string[]).includes(r.measure)) s.measure = r.measure as Measure;
  if (typeof r.hierarchy === 'string') s.hierarchy = r.hierarchy;
  if (typeof r.zoomPath === 'string') s.zoomPath = r.zoomPath;
  if (typeof r.selectedPath === 'string') s.selectedPath = r.selectedPath;
  if (typeof r.search === 'string') s.search = r.search;
  if (typeof r.source === 'string') s.source = r.source;
  return s;
}
