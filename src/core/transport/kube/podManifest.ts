/**
 * The pod the Kubernetes transport runs the node programs in: pinned to the node, able to read
 * all of it (its `/` read-only at /host, its processes through hostPID) and nothing more, marked
 * as ours so a later run can find it if this one is killed.
 */

/** Where the node's `/` is in the pod: the programs read the node through their host-root argument. */
export const KUBE_HOST_ROOT = '/host';

/**
 * The default image: Debian's slim image has the sh (dash), awk (mawk), find (GNU) and timeout the
 * programs need, and GNU find's -printf reads each cgroup's age, so the orphan grace period applies
 * and the verdicts are a local run's. busybox (smaller) works too but reads no ages: its orphans are
 * low-confidence (--kube-image busybox:1.36.1). A tag, not a digest: no digest could be confirmed
 * from a public source here, so none is claimed; --kube-image pins one.
 */
export const DEFAULT_KUBE_IMAGE = 'debian:bookworm-slim';

/** Seconds the pod may live (its activeDeadlineSeconds): the kubelet ends it even if we cannot. */
export const DEFAULT_POD_DEADLINE_SECONDS = 3600;

export const POD_LABELS = {
  /** Names the tool: what a later run lists its leftovers by. */
  name: 'app.kubernetes.io/name',
  component: 'app.kubernetes.io/component',
  /** The run (session) that made the pod. */
  session: 'cgroup-forensics/session',
} as const;

export const POD_ANNOTATIONS = {
  node: 'cgroup-forensics/node',
  /** "HOST PID": the machine and process that made it, so a later run there knows when it is gone. */
  client: 'cgroup-forensics/client',
} as const;

export const TOOL_NAME = 'cgroup-forensics';
export const CONTAINER_NAME = 'node';

export interface PodSpecInput {
  name: string;
  node: string;
  session: string;
  image: string;
  deadlineSeconds: number;
  /** "HOST PID" of this process. */
  client: string;
}

/** The label selector of every pod the tool makes (all sessions). */
export const TOOL_SELECTOR = `${POD_LABELS.name}=${TOOL_NAME}`;

/**
 * The Pod object, sent to `kubectl create -f -` as JSON on its standard input (values are data,
 * never shell text). The container only sleeps: every program arrives later through `kubectl exec`.
 */
export function podManifest(p: PodSpecInput): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: p.name,
      labels: { [POD_LABELS.name]: TOOL_NAME, [POD_LABELS.component]: 'node-reader', [POD_LABELS.session]: p.session },
      annotations: { [POD_ANNOTATIONS.node]: p.node, [POD_ANNOTATIONS.client]: p.client },
    },
    spec: {
      // Bound by name: no scheduler decision, no node selector to get wrong.
      nodeName: p.node,
      // Every taint tolerated: a tainted node (NoSchedule, NoExecute, a cordoned one) is often the one in trouble.
      tolerations: [{ operator: 'Exists' }],
      // The node's processes, for the programs that read /proc/PID (processes left in removed cgroups).
      hostPID: true,
      restartPolicy: 'Never',
      activeDeadlineSeconds: p.deadlineSeconds,
      terminationGracePeriodSeconds: 1,
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      containers: [
        {
          name: CONTAINER_NAME,
          image: p.image,
          imagePullPolicy: 'IfNotPresent',
          command: ['sleep', String(p.deadlineSeconds)],
          // Root to read every file of the node, without privilege: no capability beyond reading
          // any file (DAC_READ_SEARCH), another process's /proc entries (SYS_PTRACE) and running
          // the node's own crictl, ctr, systemctl and journalctl chroot'ed into /host (SYS_CHROOT).
          securityContext: {
            runAsUser: 0,
            runAsGroup: 0,
            privileged: false,
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            capabilities: { drop: ['ALL'], add: ['DAC_READ_SEARCH', 'SYS_PTRACE', 'SYS_CHROOT'] },
          },
          resources: { requests: { cpu: '10m', memory: '16Mi' } },
          volumeMounts: [
            // HostToContainer: a cgroup filesystem mounted on the node later is seen too.
            { name: 'host-root', mountPath: KUBE_HOST_ROOT, readOnly: true, mountPropagation: 'HostToContainer' },
            // The programs' few temporary files (mktemp) on a read-only root.
            { name: 'tmp', mountPath: '/tmp' },
          ],
        },
      ],
      volumes: [
        { name: 'host-root', hostPath: { path: '/', type: 'Directory' } },
        { name: 'tmp', emptyDir: { sizeLimit: '64Mi' } },
      ],
    },
  };
}
