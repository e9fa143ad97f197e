import assert from 'node:assert/strict';
import type { FleetNode } from '../../src/core/fleet/fleetNode';
import { byAttention } from '../../src/core/fleet/fleetNode';
import { fleetCells } from '../../src/core/fleet/fleetText';
import { sortFleet } from '../../src/extension/fleet/fleetSort';

// The Fleet view's orders: the core's byAttention by default, a column on request with its ties
// in the order of attention, and nodes without the column last.
const clear = (name: string, cgroups: number): FleetNode => ({
  name,
  reachedBy: `ssh root@${name}:22`,
  status: 'investigated',
  verdict: 'clear',
  elapsedMs: 1,
  summary: { layout: 'v2', cgroups, orphans: 0, runtime: [] },
  report: { findings: [] } as unknown as NonNullable<FleetNode['report']>,
});
const down: FleetNode = { name: 'a-down', reachedBy: 'ssh', status: 'unreachable', error: 'connection refused by 10.0.0.9:22', elapsedMs: 1 };
const fleet = [clear('c-small', 3), down, clear('b-big', 40), clear('d-mid', 10)];

describe('the Fleet view sort orders', () => {
  it('attention is the core order, as the CLI table', () => {
    assert.deepEqual(sortFleet(fleet, 'attention').map((n) => n.name), [...fleet].sort(byAttention).map((n) => n.name));
    assert.deepEqual(sortFleet(fleet, 'attention').map((n) => n.name), ['a-down', 'b-big', 'd-mid', 'c-small']);
  });

  it('a count column most first, a node without it last; name and text columns ascending', () => {
    assert.deepEqual(sortFleet(fleet, 'cgroups').map((n) => n.name), ['b-big', 'd-mid', 'c-small', 'a-down']);
    assert.deepEqual(sortFleet(fleet, 'name').map((n) => n.name), ['a-down', 'b-big', 'c-small', 'd-mid']);
    assert.deepEqual(sortFleet(fleet, 'layout').map((n) => n.name).at(-1), 'a-down');
  });

  it("rows' words are the core's columns (fleetCells), the reason of a node not reached among them", () => {
    assert.equal(fleetCells(down).reached, 'unreachable: connection refused by 10.0.0.9:22 (ssh)');
    assert.deepEqual([fleetCells(fleet[0]!).cgroups, fleetCells(fleet[0]!).worst, fleetCells(down).cgroups], ['3', 'none', '-']);
  });
});
