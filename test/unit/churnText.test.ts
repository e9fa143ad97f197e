import assert from 'node:assert/strict';
import { renderChurnRatesText, renderChurnReport, renderLiveChurnText } from '../../src/core/report/churnText';
import type { ChurnRate } from '../../src/core/trends/churn';
import { summariseLiveChurn } from '../../src/core/trends/liveChurn';

// The churn text `watch --churn` prints and Trace Cgroup Churn shows: rates by parent and by
// process; cgroup names and process names are untrusted and shown escaped.
const rate = (parent: string, created: number, removed: number, seconds = 10): ChurnRate => ({ hierarchy: 'unified', parent, created, removed, createdPerSecond: created / seconds, removedPerSecond: removed / seconds });

describe('churn text', () => {
  it('rates from two snapshots: one line per parent, capped, and "none" said plainly', () => {
    assert.equal(renderChurnRatesText([rate('/kubepods.slice', 4, 1)], 10), 'unified  /kubepods.slice  +4 -1  (0.40/s made, 0.10/s removed)\n');
    assert.equal(renderChurnRatesText([], 10), 'no cgroup made or removed in 10 s\n');
    const many = Array.from({ length: 5 }, (_, i) => rate(`/p${i}`, 1, 0));
    const text = renderChurnRatesText(many, 10, 3);
    assert.equal(text.split('\n').length - 1, 4);
    assert.match(text, /\.\.\. 2 more parents\n$/);
    // A byte-string path with a newline and an escape sequence stays on its line, escaped.
    assert.equal(renderChurnRatesText([rate('/a\n\x1b[2Jb', 1, 0)], 10).split('\n').length, 2);
  });

  it('a trace: per second by parent, by process, lines that were not records counted', () => {
    const c = summariseLiveChurn(['S', 'M\t0\t/box/keep/x\tkubelet', 'M\t0\t/box/tmp/y\trunc', 'R\t0\t/box/tmp/y\trunc', 'M\t0\t/box/evil\x1b[2J/z\tev\x07il', 'junk'].join('\n'), 2);
    const text = renderLiveChurnText(c);
    assert.equal(
      text,
      [
        'bpftrace, 2 s: by parent (made/removed/released per second)',
        '  [0] /box/tmp  0.50 / 0.50 / 0.00',
        '  [0] /box/keep  0.50 / 0.00 / 0.00',
        '  [0] /box/evil\\x1b[2J  0.50 / 0.00 / 0.00',
        'by process (made, of them still there at the end)',
        '  kubelet  1, 1 kept',
        '  ev\\x07il  1, 1 kept',
        '  runc  1, 0 kept',
        '1 line(s) were not records (cut or forged by odd cgroup names)',
        '',
      ].join('\n'),
    );
    assert.match(renderLiveChurnText(c, { parents: 1, processes: 1 }), /  \.\.\. 2 more parents\n[^]*  \.\.\. 2 more processes\n/);
  });

  it('a report names how churn was measured and, from snapshots, why there was no trace', () => {
    const c = summariseLiveChurn('S\nM\t0\t/box/k/x\tnode\n', 5);
    const traced = renderChurnReport({ method: 'bpftrace', churn: c }, 'Cgroup churn on n1');
    assert.match(traced, /^Cgroup churn on n1\n\nbpftrace, 5 s: by parent/);
    assert.match(traced, /\n  node  1, 1 kept\n/);
    const snap = renderChurnReport({ method: 'snapshots', seconds: 5, rates: [rate('/box', 3, 2, 5)], whyNotTraced: 'bpftrace could not trace\x1b[2J' }, 'T');
    assert.match(snap, /^T\n\ntwo snapshots 5 s apart \(no trace: bpftrace could not trace\\x1b\[2J\): by parent/);
    assert.match(snap, /\nunified  \/box  \+3 -2  \(0\.60\/s made, 0\.40\/s removed\)\n/);
    assert.match(snap, /by process: only a trace/);
  });
});
