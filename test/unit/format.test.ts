import assert from 'node:assert/strict';
import { formatAge, formatBytes, formatCount, formatCpuTime, formatKiB, scaleBytes } from '../../src/core/report/format';

// The one formatter behind the CLI, the tree, reports, evidence and both webviews: what it prints
// is what every front end shows for the same cgroup.
describe('figures for people (core/report/format)', () => {
  it('bytes: IEC units, one decimal below 100 of the unit, whole above', () => {
    assert.equal(formatBytes(0), '0 B');
    assert.equal(formatBytes(512), '512 B');
    assert.equal(formatBytes(1536), '1.5 KiB');
    assert.equal(formatBytes(512 * 2 ** 20), '512 MiB');
    assert.equal(formatBytes(1.5 * 2 ** 30), '1.5 GiB');
    assert.equal(formatBytes(97.7 * 2 ** 20), '97.7 MiB');
    assert.equal(formatBytes(24 * 2 ** 20), '24.0 MiB');
    assert.equal(formatBytes(99.96 * 2 ** 20), '100 MiB');
    assert.equal(formatBytes(2 * 2 ** 40), '2.0 TiB');
  });
  it('bytes: a value that rounds to 1024 of a unit is shown in the next one', () => {
    assert.equal(formatBytes(1023.7 * 2 ** 20), '1.0 GiB');
    assert.equal(formatBytes(1023.4 * 2 ** 20), '1023 MiB');
  });
  it('bytes: negative sizes (growth) keep their sign; max and unread values', () => {
    assert.equal(formatBytes(-1536), '-1.5 KiB');
    assert.equal(formatBytes(Infinity), 'max');
    assert.equal(formatBytes(NaN), '-');
    assert.equal(formatBytes(-Infinity), '-');
  });
  it('kibibytes as /proc/meminfo counts them', () => {
    assert.equal(formatKiB(46980), '45.9 MiB');
    assert.equal(formatKiB(24731708), '23.6 GiB');
    assert.equal(formatKiB(20), '20.0 KiB');
  });
  it('the scale an axis reuses for its own decimals', () => {
    assert.deepEqual(scaleBytes(3 * 2 ** 30), { value: 3, unit: 'GiB', divisor: 2 ** 30 });
    assert.deepEqual(scaleBytes(100), { value: 100, unit: 'B', divisor: 1 });
  });
  it('counts with separators; max and unread values', () => {
    assert.equal(formatCount(64000), '64,000');
    assert.equal(formatCount(7), '7');
    assert.equal(formatCount(2.6), '3');
    assert.equal(formatCount(Infinity), 'max');
    assert.equal(formatCount(NaN), '-');
  });
  it('CPU time from microseconds in the unit that reads best', () => {
    assert.equal(formatCpuTime(12_500), '12.5 ms');
    assert.equal(formatCpuTime(3_200_000), '3.2 s');
    assert.equal(formatCpuTime(240e6), '4.0 min');
    assert.equal(formatCpuTime(9000e6), '2.5 h');
    assert.equal(formatCpuTime(NaN), '-');
  });
  it('ages', () => {
    assert.equal(formatAge(45), '45s');
    assert.equal(formatAge(7500), '2h05m');
    assert.equal(formatAge(-1), '-');
  });
});
