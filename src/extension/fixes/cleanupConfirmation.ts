/**
 * The text of "Run Cleanup Script on Node…"'s confirmation, from the dry run's own output. Kept
 * short on purpose: a VS Code modal cannot scroll, so a long one pushes its buttons off screen
 * (the whole dry run once made it 1,728 px tall at 1600×1000). The full output goes to a
 * read-only document beside the modal. Pure (no 'vscode'): unit tests check it.
 */

/** What the dry run predicts; on an unchanged tree --apply does the same (cleanupScript.ts). */
export interface DryRunSummary {
  units: number;
  cgroups: number;
  skipped: number;
  /** The first cgroups it would remove, as the script labels them. */
  examples: string[];
}

const SUMMARY = /^would stop (\d+) unit\(s\), would remove (\d+) cgroup\(s\); (\d+) skipped\./m;

/** Undefined when the output has no summary line (the script did not run to its end). */
export function summariseDryRun(stdout: string, examples = 5): DryRunSummary | undefined {
  const m = SUMMARY.exec(stdout);
  if (!m) return undefined;
  const names = stdout
    .split('\n')
    .filter((l) => l.startsWith('would rmdir: '))
    .map((l) => l.slice('would rmdir: '.length));
  return { units: Number(m[1]), cgroups: Number(m[2]), skipped: Number(m[3]), examples: names.slice(0, examples) };
}

/** A name cut to a width that fits the modal, keeping its end (where pod UIDs and container IDs are). */
function fit(name: string, width = 96): string {
  return name.length <= width ? name : `…${name.slice(name.length - width + 1)}`;
}

export interface ConfirmationText {
  message: string;
  detail: string;
}

/** "1 orphan(s) and 2 leftover(s) (failed units, mount scopes)": what the plan acts on, without the zero parts. */
export function planWhat(orphans: number, leftovers: number): string {
  const parts = [orphans ? `${orphans} orphan(s)` : '', leftovers ? `${leftovers} leftover(s) (failed units, mount scopes)` : ''].filter(Boolean);
  return parts.length ? parts.join(' and ') : 'nothing';
}

/** "remove 8 cgroup(s) and stop 2 systemd unit(s)": what the dry run says the script does, without the zero parts. */
function actions(s: DryRunSummary): string {
  const parts = [s.cgroups ? `remove ${s.cgroups} cgroup(s)` : '', s.units ? `stop ${s.units} systemd unit(s)` : ''].filter(Boolean);
  return parts.length ? parts.join(' and ') : 'remove nothing';
}

/** The sentence for orphans that could not be judged (no live facts): never "nothing to clean up". */
export function undeterminedText(label: string, why: string): string {
  return `Orphans on ${label} could not be judged: ${why}`;
}

/** A way on from "could not be judged": a button that opens one setting. */
export interface UndeterminedAction {
  title: string;
  setting: 'cgroupForensics.kubelet.rootDir' | 'cgroupForensics.containerd.address' | 'cgroupForensics.kubernetes.context';
  /** machine: kept per machine (in a remote window, only under the Remote tab of the settings). */
  scope: 'machine' | 'window';
}

export interface UndeterminedGuidance {
  message: string;
  /** The whole reason, each source tried on its own line, and what each button changes. */
  detail: string;
  actions: UndeterminedAction[];
}

/**
 * What a modal says when orphans could not be judged: the whole reason (the core's text, each
 * source of pods it tried on a line of its own, never cut), and buttons that lead on: the settings
 * that tell where the node keeps its pods, or a kube context. For a snapshot file, nothing to set:
 * the reason says to run on the live node.
 */
export function undeterminedGuidance(label: string, why: string, live = true): UndeterminedGuidance {
  // "no source of pods could be read (kubelet: …; containerd: …)": the sources one per line.
  const m = /^(.*?) \((.*)\)$/s.exec(why);
  const reason = m ? [`${m[1]}:`, ...m[2]!.split('; ').map((t) => `  • ${t}`)] : [why];
  const lines = [...reason];
  const actions: UndeterminedAction[] = [];
  if (live) {
    lines.push(
      '',
      'An orphan is a pod cgroup that no source of pods on the node knows; with none readable, no pod can be called one (nor cleaned up).',
      'If kubelet or containerd keep their state elsewhere on this node, set where:',
      '  • cgroupForensics.kubelet.rootDir: kubelet\'s root directory (its pods/ lists the pods), default /var/lib/kubelet',
      '  • cgroupForensics.containerd.address: containerd\'s socket, default /run/containerd/containerd.sock',
      'A kube context (cgroupForensics.kubernetes.context) adds the API server\'s view of the node\'s pods beside the findings.',
    );
    actions.push(
      { title: 'Set Kubelet Root Dir…', setting: 'cgroupForensics.kubelet.rootDir', scope: 'machine' },
      { title: 'Set Containerd Address…', setting: 'cgroupForensics.containerd.address', scope: 'machine' },
      { title: 'Set Kube Context…', setting: 'cgroupForensics.kubernetes.context', scope: 'window' },
    );
  }
  return { message: `Orphans on ${label} could not be judged`, detail: lines.join('\n'), actions };
}

/**
 * The modal's message and detail: what the script will do by the dry run (cgroups removed, units
 * stopped) and of what (orphans, leftovers), a few names, the script's short hash, where the rest is.
 */
export function confirmationText(o: { label: string; summary: DryRunSummary; orphans: number; leftovers?: number; digest: string; scriptName: string; outputName: string }): ConfirmationText {
  const s = o.summary;
  const more = s.cgroups - s.examples.length;
  const does = actions(s);
  const lines = [
    `The dry run would ${does}; ${s.skipped} skipped (still in use).`,
    ...(s.examples.length ? ['', ...s.examples.map((e) => `  ${fit(e)}`), ...(more > 0 ? [`  … and ${more} more`] : [])] : []),
    '',
    `Script SHA-256 ${o.digest.slice(0, 16)}… (${o.scriptName}); the full dry-run output is open beside this dialog (${o.outputName}).`,
    'Each cgroup is checked again at removal and removed only when empty; nothing is forced.',
  ];
  return { message: `${does[0]!.toUpperCase()}${does.slice(1)} of ${planWhat(o.orphans, o.leftovers ?? 0)} on ${o.label}?`, detail: lines.join('\n') };
}
