import type { Finding } from '../analysis/finding';
import type { ForensicsReport } from '../analysis/forensics';
import { isCleanupTarget, isOrphanKind, isOrphanWithProcesses, isReported } from '../analysis/orphanVerdict';
import type { RuntimeFacts } from '../facts/nodeFacts';
import type { CgroupDriver } from '../model/k8sIdentity';
import type { Snapshot } from '../model/snapshot';
import { cleanupScript } from './cleanupScript';
import { containerdFixFor, crioFixFor, driverFix, kubeletFixFor } from './configFixes';
import { daemonSetFix, type DaemonSetOptions } from './daemonSetFix';
import { FixInputError, type FixDocument } from './fixDocument';
import { grafanaDashboard } from './grafanaDashboard';
import { kernelParamsFix } from './kernelParamsFix';
import { bpftraceScript, npdPlugin, prometheusRules } from './monitoring';
import { podSpecFix } from './podSpecFix';

/**
 * The one home of the kinds of fix: what each is called, what it says of itself, the language its
 * documents open in, what it is made from, and its generator. The CLI's `fix` (its KIND list,
 * help and checks), the extension's quick pick and document languages, and the README's fix-kind
 * table (scripts/readmeFixTable.ts) are made from it. A new kind is one entry here (FixKind
 * follows from the keys), a row or more in FIXES_FOR_FINDING (fixPlan.ts) where it answers a
 * finding, its generator and a test.
 */

export interface FixOptions {
  /** The cgroup driver to align on (default systemd: what kubeadm and the runtimes recommend where systemd is init). */
  driver?: CgroupDriver;
  /** False when the node is a saved snapshot (no live facts): passed to kernelParamsFix. */
  liveFacts?: boolean;
  /** fix daemonset: the bundled CLI (from the front end: the CLI's own file, the extension's dist/cli.js) and its options. */
  daemonSet?: DaemonSetOptions;
}

/** What every kind gets: the options asked for (a node-independent kind needs nothing else). */
export interface FromNothing {
  options: FixOptions;
}

/** What a kind made from the snapshot gets: the tree and the node's kernel facts (a saved snapshot will do). */
export interface FromSnapshot extends FromNothing {
  snapshot: Snapshot;
  report: ForensicsReport;
}

/** What a kind made from the live node gets: the snapshot and the node's files and its runtime's view of the pods. */
export interface FromLiveNode extends FromSnapshot {
  facts: RuntimeFacts;
}

/** The VS Code language a fix document opens in (the extension falls back where one is not installed: TOML as INI). */
export type LanguageId = 'shellscript' | 'yaml' | 'toml' | 'json' | 'properties' | 'plaintext';

/**
 * What a kind of fix is made from, and its generator over exactly that: nothing of the node (the
 * same documents everywhere), the snapshot alone (a saved snapshot will do), or the live node (its
 * files or its runtime's view of the pods: a saved snapshot will not); and whether its documents
 * act on orphans (then they are judged with the Kubernetes API's view, as orphans are).
 */
export type FixMaking =
  | {
      needs: { from: 'nothing' };
      generate: (n: FromNothing) => FixDocument[];
    }
  | {
      /** reads: what it reads from a saved snapshot, and what it then leaves unchecked (fix --help, README). */
      needs: { from: 'snapshot'; reads: string };
      generate: (n: FromSnapshot) => FixDocument[];
    }
  | {
      /** why: why a saved snapshot will not do (the refusal names it); judgesOrphans: its documents act on orphans. */
      needs: { from: 'live'; why: string; judgesOrphans?: true };
      generate: (n: FromLiveNode) => FixDocument[];
    };

export type FixNeeds = FixMaking['needs'];

export type FixKindEntry = FixMaking & {
  /** The quick pick's label. */
  label: string;
  /** One line: the quick pick's detail. */
  description: string;
  /** What `fix --help` says of it (the CLI wraps it under the kind's name). */
  help: string;
  /** The language its documents open in. */
  language: LanguageId;
  /**
   * Only where this kind's documents target files of another language than `language`: the target
   * file's extension (lower case, no dot) to its language. Any other extension keeps `language`.
   */
  languageByExtension?: Readonly<Record<string, LanguageId>>;
  /** Its documents patch the node's own files (a diff; `--file` prints the patched file); else new files, scripts or notes. */
  patchesNodeFiles?: true;
  /**
   * Narrows FIXES_FOR_FINDING per finding, as the generator does: whether it answers this finding
   * of a kind the table gives it. Absent: every such finding.
   */
  answers?: (f: Finding) => boolean;
  /** The README's fix-kind table row (scripts/readmeFixTable.ts). */
  readme: {
    /** What it changes. */
    changes: string;
    /** Which file (on the node, or the document's). */
    file: string;
    /** Which programs check it in the tests. */
    checkedBy: string;
  };
};

/** A node-wide pids-pressure finding is answered by kubelet and the kernel; a pod's by its own spec. */
const podPids = (f: Finding): boolean => f.kind === 'pids-pressure' && f.podUid !== undefined;

// The order is the order of the CLI's KIND list, the quick pick (after the suggested) and the README.
const CATALOG = {
  cleanup: {
    label: 'Cleanup script',
    description: 'A POSIX sh script that removes exactly the orphaned cgroups (dry run unless --apply)',
    help: 'POSIX sh script removing exactly the orphans (dry run unless run with --apply)',
    language: 'shellscript',
    needs: { from: 'live', why: "the runtime's and kubelet's view of the pods, to tell orphans", judgesOrphans: true },
    generate: (n: FromLiveNode) => [cleanupScript(n.report.findings, { allowedRoots: n.snapshot.hierarchies.map((h) => h.walkRoot), ...(n.snapshot.node.hostname ? { generatedFor: n.snapshot.node.hostname } : {}), ...(n.snapshot.source.hostRoot ? { hostRoot: n.snapshot.source.hostRoot } : {}) })],
    answers: isCleanupTarget,
    readme: {
      changes: 'removes exactly the orphans of the one verdict (`src/core/analysis/orphanVerdict.ts`, with the Kubernetes API\'s view and the grace period, as `orphans` judges them), leaf-first; a dry run unless `--apply`, and the dry run prints what `--apply` then does',
      file: 'a script you run: `sh cleanup.sh [--apply]`',
      checkedBy: 'dash and busybox `sh -n`, `shellcheck -S warning`; dry run against `--apply` on real cgroup trees (cgroup2 and v1) and real systemd units; real `kubectl` against a stand-in API server',
    },
  },
  driver: {
    label: 'Cgroup driver alignment',
    description: 'kubelet and the container runtime on the same cgroup driver, in one step',
    help: 'kubelet + runtime configs on one driver',
    // Its documents are kubelet's and the runtime's, and open in their languages.
    language: 'yaml',
    patchesNodeFiles: true,
    needs: { from: 'live', why: "kubelet's and the runtime's config files" },
    generate: driverFix,
    readme: {
      changes: 'the `kubelet` and `containerd`/`crio` documents, only for the side that decides and must move (the runtime alone where kubelet takes the driver from it)',
      file: 'as for `kubelet`, `containerd`, `crio`',
      checkedBy: 'GNU `patch -p1` on the whole output (both diffs under their comment headers)',
    },
  },
  kubelet: {
    label: 'kubelet configuration',
    description: "The node's KubeletConfiguration with the settings the findings call for",
    help: "kubelet's config file, or the unit or environment file that sets the flag: cgroupDriver, pid limits and eviction",
    language: 'yaml',
    // A systemd drop-in that sets a flag; a config file written as JSON.
    languageByExtension: { conf: 'properties', json: 'json' },
    patchesNodeFiles: true,
    needs: { from: 'live', why: "kubelet's config file and flags" },
    generate: kubeletFixFor,
    // kubelet's pid settings answer node-wide pressure; a pod's is its own spec.
    answers: (f) => !podPids(f),
    readme: {
      changes: "`cgroupDriver`; `evictionHard` `pid.available` (with kubelet's Linux defaults beside it when `evictionHard` was unset, since a partial `evictionHard` zeroes the rest); `podPidsLimit` and `systemReserved.pid` derived from `pid_max`, `maxPods` and the tasks running now; a flag where kubelet's unit sets it",
      file: "kubelet's `--config` file (kubeadm: `/var/lib/kubelet/config.yaml`), or the unit, drop-in or `EnvironmentFile` that sets the flag (e.g. `/var/lib/kubelet/kubeadm-flags.env`); a note and no diff where no file can be found",
      checkedBy: 'GNU `patch -p1` on a copy of the node root (equal to `--file`), `yamllint`, `sh` reading the patched environment file',
    },
  },
  containerd: {
    label: 'containerd configuration',
    description: 'config.toml: the runc runtime with the systemd cgroup driver',
    help: "config.toml: the default runtime's SystemdCgroup, by config version",
    language: 'toml',
    patchesNodeFiles: true,
    needs: { from: 'live', why: "containerd's config file" },
    generate: containerdFixFor,
    readme: {
      changes: "the default runtime's `SystemdCgroup` (and runc's `runtime_type` where its table lacks one), by config version (1: `plugins.cri`, 2: `io.containerd.grpc.v1.cri`, 3: `io.containerd.cri.v1.runtime`); no file: a minimal new one containerd merges over its defaults",
      file: "`/etc/containerd/config.toml` (or containerd's `--config`)",
      checkedBy: "GNU `patch -p1` (equal to `--file`); containerd 1.6 `config dump` before and after, differing only in the intended lines; version 3 against containerd's `docs/cri/config.md` (no 2.x binary here)",
    },
  },
  crio: {
    label: 'CRI-O configuration',
    description: 'The file that sets cgroup_manager, patched, or a crio.conf.d drop-in: cgroup manager and conmon cgroup',
    help: 'cgroup_manager (and conmon_cgroup) in the file that sets it, or a new drop-in',
    language: 'toml',
    patchesNodeFiles: true,
    needs: { from: 'live', why: "CRI-O's config files" },
    generate: crioFixFor,
    readme: {
      changes: '`cgroup_manager` (and `conmon_cgroup` where the old value would be refused) in the last file that sets it, or a new drop-in that sorts last; or "change the `--cgroup-manager` flag"',
      file: '`/etc/crio/crio.conf` or `/etc/crio/crio.conf.d/*`',
      checkedBy: "GNU `patch -p1` (equal to `--file`); read back in CRI-O's order with a TOML parser (no CRI-O binary here)",
    },
  },
  sysctl: {
    label: 'sysctl & boot parameters',
    description: "Kernel parameters and sysctls where this node's kernel and systemd support them",
    help: "kernel.pid_max and boot parameters where the node's kernel and systemd support them",
    language: 'properties',
    needs: { from: 'snapshot', reads: "from the snapshot's kernel, systemd, pid_max and cgroup tree; kmem accounting is not checked" },
    generate: (n: FromSnapshot) => [kernelParamsFix(n.snapshot, n.report.findings, n.options.liveFacts === undefined ? {} : { liveFacts: n.options.liveFacts })],
    // kernel.pid_max answers node-wide pressure only.
    answers: (f) => f.kind !== 'pids-pressure' || f.cgroups.length === 0,
    readme: {
      changes: '`kernel.pid_max` for node pids pressure; boot parameters only where the node\'s kernel and systemd support them (`cgroup.memory=nokmem` on EL7 3.10.0-1062+, reported; cgroup v2 as an optional migration on kernel 5.8+ and systemd 244+, never as a cure)',
      file: '`/etc/sysctl.d/90-cgroup-forensics.conf`, `GRUB_CMDLINE_LINUX`',
      checkedBy: 'procps `sysctl -p` in a throw-away mount namespace; every key checked under `/proc/sys`',
    },
  },
  prometheus: {
    label: 'Prometheus rules',
    description: 'Alerting rules for cgroup counts and dying cgroups',
    help: 'alert rules',
    language: 'yaml',
    needs: { from: 'nothing' },
    generate: () => [prometheusRules()],
    // It reports orphans as the verdict does: not a pod the API knows, not a low-confidence guess.
    answers: isReported,
    readme: {
      changes: 'alert rules over `export --prometheus`; `MemcgIdHeadroomLow` only where dying memcgs keep their IDs, `DyingMemcgKernelMemoryHigh` for the memory they hold',
      file: '`/etc/prometheus/rules/cgroup-forensics.rules.yml`',
      checkedBy: '`promtool check rules`, `promtool test rules` on series from the real export, `promtool check metrics`',
    },
  },
  npd: {
    label: 'Node Problem Detector plugin',
    description: 'A custom plugin monitor that reports cgroup leaks',
    help: 'node-problem-detector plugin (config and script, printed one after the other; --json keeps them apart)',
    language: 'json',
    // Its check script.
    languageByExtension: { sh: 'shellscript' },
    needs: { from: 'nothing' },
    generate: npdPlugin,
    // It reports orphans as the verdict does: not a pod the API knows, not a low-confidence guess.
    answers: isReported,
    readme: {
      changes: 'a node-problem-detector custom plugin: its config and its check script',
      file: '`/config/cgroup-forensics-monitor.json`, `/config/plugin/check_cgroup_leaks.sh`',
      checkedBy: '`sh -n`, `shellcheck`, the script run as NPD runs it (exit 0/1/2)',
    },
  },
  bpftrace: {
    label: 'bpftrace script',
    description: 'Traces cgroup creation and removal to find who leaks',
    help: 'a script on the cgroup mkdir/rmdir/release tracepoints',
    // VS Code ships no bpftrace mode.
    language: 'plaintext',
    needs: { from: 'nothing' },
    generate: () => [bpftraceScript()],
    readme: {
      changes: 'nothing: counts `cgroup_mkdir`/`rmdir`/`release` keyed by hierarchy and whole path',
      file: '`cgroup-churn.bt`',
      checkedBy: '`bpftrace -d`, and a real run on the tracepoints telling apart two pod paths that differ after byte 64',
    },
  },
  grafana: {
    label: 'Grafana dashboard',
    description: 'A dashboard (JSON) of the cgroup metrics the Prometheus rules use',
    help: 'a dashboard (JSON) for the export --prometheus metrics',
    language: 'json',
    needs: { from: 'nothing' },
    generate: () => [grafanaDashboard()],
    readme: {
      changes: 'a dashboard of the exported metrics',
      file: 'imported dashboard JSON',
      checkedBy: '`promtool` parses every panel\'s query',
    },
  },
  podspec: {
    label: 'Pod spec snippets',
    description: 'Requests, limits and a preStop hook for the pods the findings name',
    help: 'pod-spec snippets for the workloads behind the findings',
    language: 'yaml',
    needs: { from: 'live', why: "the runtime's view of the pods (processes left in orphans)", judgesOrphans: true },
    generate: (n: FromLiveNode) => [podSpecFix(n.report.findings)],
    // Orphans that still hold processes (the workload outlived its container), and a pod's own pids pressure.
    answers: (f) => (isOrphanKind(f.kind) ? isOrphanWithProcesses(f) : podPids(f)),
    readme: {
      changes: 'pod-spec snippets (init and `preStop`, resources) for the workloads behind the findings',
      file: 'merged into pod templates by hand',
      checkedBy: "a YAML parser (no API server here for `kubectl`'s validation)",
    },
  },
  daemonset: {
    label: 'Exporter DaemonSet',
    description: "Manifests that run export --prometheus on every node into node_exporter's textfile directory",
    help: "Kubernetes manifests (Namespace, ConfigMap holding this CLI, DaemonSet) that run export --prometheus on every node into node_exporter's textfile directory",
    language: 'yaml',
    // The same manifests for every node; they carry the bundled CLI, which the front end supplies.
    needs: { from: 'nothing' },
    generate: (n: FromNothing) => {
      if (!n.options.daemonSet) throw new FixInputError('fix daemonset needs the bundled CLI (dist/cli.js, built with node scripts/build.mjs --production) to put in its ConfigMap');
      return [daemonSetFix(n.options.daemonSet)];
    },
    readme: {
      changes: 'nothing on the node: a Namespace, a ConfigMap with the bundled CLI and a DaemonSet writing the metrics every 5 minutes',
      file: '`cgroup-forensics.yaml`, applied with `kubectl apply --server-side`',
      checkedBy: '`kubectl apply --dry-run=client`, the container\'s command run as written (busybox too), `promtool check metrics` on what it writes',
    },
  },
} satisfies Record<string, FixKindEntry>;

export type FixKind = keyof typeof CATALOG;

/** Every kind of fix. Total: FixKind is its keys. */
export const FIX_CATALOG: Readonly<Record<FixKind, FixKindEntry>> = CATALOG;

/** The kinds made from nothing of the node: the same documents for every node. */
export type StaticFixKind = { [K in FixKind]: (typeof CATALOG)[K]['needs']['from'] extends 'nothing' ? K : never }[FixKind];

/** The kinds in the catalog's order. */
export const FIX_KINDS = Object.keys(CATALOG) as readonly FixKind[];

export function isFixKind(name: string): name is FixKind {
  return Object.prototype.hasOwnProperty.call(CATALOG, name);
}

/** Whether a kind is made from `from` (narrows its entry to that generator's input). */
export function madeFrom<F extends FixNeeds['from']>(e: FixKindEntry, from: F): e is Extract<FixKindEntry, { needs: { from: F } }> {
  return e.needs.from === from;
}

/** The kinds made from `from`, in the catalog's order. */
export function fixKindsMadeFrom(from: FixNeeds['from']): FixKind[] {
  return FIX_KINDS.filter((k) => FIX_CATALOG[k].needs.from === from);
}

/** The kinds whose documents act on orphans (judged with the Kubernetes API's view, as orphans are). */
export const ORPHAN_FIX_KINDS: readonly FixKind[] = FIX_KINDS.filter((k) => judgesOrphans(FIX_CATALOG[k]));

export function judgesOrphans(e: FixKindEntry): boolean {
  return madeFrom(e, 'live') && e.needs.judgesOrphans === true;
}

/** The language a document opens in: its kind's, refined by its target file's extension where the catalog says so. */
export function documentLanguage(doc: Pick<FixDocument, 'kind' | 'targetPath'>): LanguageId {
  const e = FIX_CATALOG[doc.kind];
  const ext = doc.targetPath ? /\.([A-Za-z0-9]+)$/.exec(doc.targetPath)?.[1]?.toLowerCase() : undefined;
  return (ext !== undefined ? e.languageByExtension?.[ext] : undefined) ?? e.language;
}
