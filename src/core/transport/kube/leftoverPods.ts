import { POD_ANNOTATIONS, POD_LABELS } from './podManifest';

/** Our pod as a later run judges it. */
interface OurPod {
  metadata?: { name?: string; creationTimestamp?: string; deletionTimestamp?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: { activeDeadlineSeconds?: number };
  status?: { phase?: string };
}

export interface Leftover {
  name: string;
  /** "finished (Failed)", "past its deadline", "its run (HOST PID 123) is gone" */
  why: string;
}

export interface LeftoverContext {
  /** This run's session: its own pod is never a leftover. */
  session: string;
  /** "HOST PID" prefix of this machine: "HOST " */
  host: string;
  now: number;
  /** Whether a process of this machine is still running. */
  alive(pid: number): boolean;
}

/**
 * Which of the tool's pods (listed by its label) a killed run left behind: one that finished or
 * was ended (Succeeded, Failed: past its deadline the kubelet fails it), one older than its
 * deadline, or one whose run was on this machine and is gone. A pod of a live run elsewhere is
 * left alone: nothing here can tell that it is gone, and its deadline ends it.
 */
export function leftoverPods(list: unknown, c: LeftoverContext): Leftover[] {
  const out: Leftover[] = [];
  for (const pod of (list as { items?: OurPod[] } | undefined)?.items ?? []) {
    const m = pod.metadata ?? {};
    if (!m.name || m.deletionTimestamp) continue;
    if (m.labels?.[POD_LABELS.session] === c.session) continue;
    const phase = pod.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') {
      out.push({ name: m.name, why: `finished (${phase})` });
      continue;
    }
    const created = m.creationTimestamp ? Date.parse(m.creationTimestamp) : NaN;
    const deadline = pod.spec?.activeDeadlineSeconds;
    if (deadline !== undefined && Number.isFinite(created) && created + deadline * 1000 < c.now) {
      out.push({ name: m.name, why: 'past its deadline' });
      continue;
    }
    const client = /^(\S+) (\d+)$/.exec(m.annotations?.[POD_ANNOTATIONS.client] ?? '');
    if (client && `${client[1]!} ` === c.host && !c.alive(Number(client[2]))) out.push({ name: m.name, why: `its run (pid ${client[2]!} here) is gone` });
  }
  return out;
}
