import { FIX_CATALOG, madeFrom, type FixOptions, type StaticFixKind } from '../../src/core/fixes/fixCatalog';
import type { FixDocument } from '../../src/core/fixes/fixDocument';

/**
 * The documents of a node-independent kind, as `cgroup-forensics fix KIND` makes them (the
 * catalog's generator from nothing but options): for tests that need one without a snapshot.
 */
export function staticFix(kind: StaticFixKind, options: FixOptions = {}): FixDocument[] {
  const e = FIX_CATALOG[kind];
  // StaticFixKind holds only kinds made from nothing; the check narrows the entry to its generator.
  if (!madeFrom(e, 'nothing')) throw new Error(`fix ${kind} is made from the node`);
  return e.generate({ options });
}
