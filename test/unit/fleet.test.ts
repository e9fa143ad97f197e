import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { perNodePath } from '../../src/core/fleet/fleetDefaults';
import { byAttention, type FleetNode } from '../../src/core/fleet/fleetNode';
import type { FleetTarget } from '../../src/core/fleet/fleetTarget';
import { fleetTotals } from '../../src/core/fleet/fleetText';
import { parseHostsFile } from '../../src/core/fleet/hostsFile';
import { runFleet } from '../../src/core/fleet/runFleet';
import { investigate } from '../../src/core/investigation/investigate';
import { globMatcher, sshConfigAliases } from '../../src/core/fleet/sshConfigHosts';
import { LocalTransport } from '../../src/core/transport/local';
import { AbortError, type RunRequest, type RunResult, type Transport } from '../../src/core/transport/transport';
import { v1CgroupfsHost } from '../fixtures/hosts/specs';
import { makeFakeHost, type FakeHost } from '../support/fakeHost';

// The fleet's core without a network: where nodes come from (a hosts file, an ssh_config's
// aliases), the runner's bounds (N at a time, each node's time, a node that never answers) over
// real sh and awk on a fixture node, and the order of attention.

/**
 * A node whose programs answer what real sh and awk printed on a fixture root (recorded once, so
 * the runner's bounds are judged, not this machine's load), or never end (until aborted).
 */
class FixtureTransport implements Transport {
  static running = 0;
  static peak = 0;
  /** Standard output of each node program (argv[3]) on the fixture root, recorded by record(). */
  static readonly recorded = new Map<string, { out: Buffer; result: RunResult }>();
  readonly label: string;
  disposed = false;
  constructor(
    name: string,
    private readonly hang: boolean,
  ) {
    this.label = `fixture ${name}`;
  }
  async run(r: RunRequest): Promise<RunResult> {
    FixtureTransport.peak = Math.max(FixtureTransport.peak, ++FixtureTransport.running);
    try {
      if (!this.hang) {
        const rec = FixtureTransport.recorded.get(r.argv[3] ?? '');
        if (!rec) throw new Error(`no recording of ${r.argv[3]}`);
        await new Promise((w) => setTimeout(w, 20));
        r.onStdout(rec.out);
        return rec.result;
      }
      // Never answers; only the abort ends it.
      return await new Promise<RunResult>((_resolve, reject) => r.signal?.addEventListener('abort', () => reject(new AbortError()), { once: true }));
    } finally {
      FixtureTransport.running--;
    }
  }
  dispose(): void {
    this.disposed = true;
  }

  /** Runs the investigation once for real on the fixture root and keeps what each program printed. */
  static async record(hostRoot: string): Promise<void> {
    const local = new LocalTransport();
    const recording: Transport = {
      label: 'recording',
      run: async (r) => {
        const chunks: Buffer[] = [];
        const result = await local.run({ ...r, onStdout: (c) => (chunks.push(c), r.onStdout(c)) });
        FixtureTransport.recorded.set(r.argv[3] ?? '', { out: Buffer.concat(chunks), result });
        return result;
      },
      dispose: () => local.dispose(),
    };
    const r = await investigate({ transport: recording }, { signal: new AbortController().signal, hostRoot, graceSeconds: 0 });
    assert.ok(r.ok);
  }
}

describe('fleet: targets, the runner and the order of attention', function () {
  this.timeout(60_000);
  let host: FakeHost;
  let dir: string;
  before(async () => {
    host = makeFakeHost(v1CgroupfsHost());
    dir = mkdtempSync(join(tmpdir(), 'cf-fleet-unit-'));
    await FixtureTransport.record(host.root);
  });
  after(() => {
    host.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a hosts file: aliases and [user@]host[:port], comments and blank lines, each node once; a bad line names its number', () => {
    const { entries, errors } = parseHostsFile('# fleet\nnode-1\n\nubuntu@10.0.3.7:2222  # by address\n[fe80::1]:22\nnode-1\n');
    assert.deepEqual(errors, []);
    assert.deepEqual(
      entries.map((e) => [e.name, e.hop]),
      [
        ['node-1', { host: 'node-1' }],
        ['ubuntu@10.0.3.7:2222', { host: '10.0.3.7', user: 'ubuntu', port: 2222 }],
        ['[fe80::1]:22', { host: 'fe80::1', port: 22 }],
      ],
    );
    assert.deepEqual(parseHostsFile('a\nb c\n-x\n').errors, ["line 2: expected one host (alias or user@host[:port]), got 'b c'", "line 3: expected one host (alias or user@host[:port]), got '-x'"]);
  });

  it("an ssh_config's Host aliases matching a glob, Include followed; wildcard Host words are patterns, not hosts", () => {
    writeFileSync(join(dir, 'more.conf'), 'Host node-3\n  Port 2203\n');
    const cfg = join(dir, 'config');
    writeFileSync(cfg, `Host node-1 node-2 bastion\n  User root\nHost node-*\n  Port 22\nHost=!node-9 "node-4"\nInclude ${join(dir, 'more.conf')}\nhost *\n  IdentityAgent none\n`);
    assert.deepEqual(sshConfigAliases('node-*', cfg), ['node-1', 'node-2', 'node-4', 'node-3']);
    assert.deepEqual(sshConfigAliases('*', cfg), ['node-1', 'node-2', 'bastion', 'node-4', 'node-3']);
    assert.ok(globMatcher('node-?')('NODE-1'));
    assert.ok(!globMatcher('node-?')('node-10'));
  });

  it('%n in a directory is the node name; a name that would leave the directory is refused', () => {
    assert.equal(perNodePath('/sys/fs/cgroup/%n/x%%', 'node-1'), '/sys/fs/cgroup/node-1/x%');
    assert.equal(perNodePath('/sys/fs/cgroup', 'a/b'), '/sys/fs/cgroup');
    assert.equal(perNodePath('/x/%n', 'a/b'), undefined);
    assert.equal(perNodePath('/x/%n', '..'), undefined);
  });

  it('runs N at a time, bounds each node, and a node that never answers does not stop the others', async () => {
    FixtureTransport.running = 0;
    FixtureTransport.peak = 0;
    const opened: FixtureTransport[] = [];
    const target = (name: string, hang = false): FleetTarget => ({
      name,
      via: 'fixture',
      open: async () => {
        const transport = new FixtureTransport(name, hang);
        opened.push(transport);
        return { transport, reachedBy: `fixture ${name}` };
      },
    });
    const broken: FleetTarget = { name: 'broken', via: 'fixture', open: () => Promise.reject(new Error('cannot resolve broken')) };
    const targets = [target('hang', true), broken, ...Array.from({ length: 6 }, (_, i) => target(`n${i}`))];
    const done: string[] = [];
    const started = Date.now();
    const nodes = await runFleet(targets, {
      signal: new AbortController().signal,
      concurrency: 3,
      nodeTimeoutMs: 1500,
      investigation: () => ({ hostRoot: host.root, graceSeconds: 0 }),
      onEvent: (e) => void (e.kind === 'done' && done.push(e.node.name)),
    });
    assert.deepEqual(
      nodes.map((n) => [n.name, n.status]),
      [['hang', 'timed-out'], ['broken', 'unreachable'], ...Array.from({ length: 6 }, (_, i) => [`n${i}`, 'investigated'])],
    );
    assert.match(nodes[0]!.error!, /no answer within 1\.5 s \(during snapshot\); stopped and disconnected/);
    assert.ok(nodes[0]!.elapsedMs >= 1500 && nodes[0]!.elapsedMs < 3500, `the hanging node took ${nodes[0]!.elapsedMs} ms`);
    assert.equal(nodes[1]!.error, 'cannot resolve broken');
    assert.ok(FixtureTransport.peak <= 3 && FixtureTransport.peak > 1, `peak ${FixtureTransport.peak} programs at once`);
    assert.ok(opened.every((t) => t.disposed), 'every transport is disposed when its node is done');
    assert.equal(done.length, targets.length);
    assert.ok(Date.now() - started < 30_000);
    const n0 = nodes[2]!;
    assert.equal(n0.summary!.layout, 'v1');
    assert.ok(n0.summary!.cgroups > 10, `${n0.summary!.cgroups} cgroups`);
    assert.ok(n0.report && n0.verdict);
  });

  it('orders by attention: critical, warning, not investigated, could not tell, clear; then orphans, dying, cgroups, name', () => {
    const finding = (severity: 'critical' | 'warning' | 'info'): NonNullable<FleetNode['report']>['findings'][number] => ({ kind: 'dying-cgroups', severity, confidence: 'high', title: 't', cgroups: [], evidence: [] });
    const node = (name: string, o: Partial<FleetNode> & { worst?: 'critical' | 'warning' | 'info'; cgroups?: number; orphans?: number }): FleetNode => ({
      name,
      reachedBy: 'x',
      status: o.status ?? 'investigated',
      elapsedMs: 0,
      ...(o.status && o.status !== 'investigated'
        ? {}
        : {
            verdict: o.verdict ?? (o.worst && o.worst !== 'info' ? 'actionable' : 'clear'),
            summary: { layout: 'v2', cgroups: o.cgroups ?? 1, orphans: o.orphans ?? 0, runtime: [] },
            report: { findings: o.worst ? [finding(o.worst)] : [], counts: {} },
          }),
    });
    const nodes = [
      node('clear-small', { cgroups: 1 }),
      node('down', { status: 'unreachable' }),
      node('warn', { worst: 'warning' }),
      node('unsure', { verdict: 'undetermined' }),
      node('clear-big', { cgroups: 9 }),
      node('crit', { worst: 'critical' }),
      node('hang', { status: 'timed-out' }),
      node('warn-orphans', { worst: 'warning', orphans: 3 }),
    ];
    assert.deepEqual(
      [...nodes].sort(byAttention).map((n) => n.name),
      ['crit', 'warn-orphans', 'warn', 'down', 'hang', 'unsure', 'clear-big', 'clear-small'],
    );
    assert.equal(fleetTotals(nodes), '8 nodes: 3 with findings, 1 could not tell, 2 not investigated (1 unreachable, 1 timed out), 2 clear');
  });
});
