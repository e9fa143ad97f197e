import { createHash } from 'node:crypto';
import { FixInputError, type FixDocument } from './fixDocument';
import { yamlDocument, type YamlValue } from './daemonSetYaml';

/**
 * `fix daemonset`: the manifests that keep every node watched with no image of our own. A public
 * Node.js image runs the bundled CLI (held in a ConfigMap) every few minutes, and writes its
 * `export --prometheus` atomically into node_exporter's textfile directory on the node.
 */

/**
 * A ConfigMap holds at most 1 MiB of data: Kubernetes' ValidateConfigMap sums len(value) over
 * data and binaryData and rejects more than core.MaxSecretSize, 1024 * 1024 bytes
 * (pkg/apis/core/validation/validation.go).
 */
export const CONFIGMAP_DATA_LIMIT = 1024 * 1024;

/**
 * node:24 (LTS until April 2028) on Alpine: busybox gives the probe its sh and awk, and the loop
 * and liveness check their date, stat, mv and sleep. The digest pins the image the tag named when
 * chosen (seen pinned so in several public repositories; not checked against Docker Hub here,
 * which this machine cannot reach); --image replaces it.
 */
export const DEFAULT_IMAGE = 'node:24.11.1-alpine3.22@sha256:2867d550cf9d8bb50059a0fff528741f11a84d985c732e60e19e8e75c7239c43';

/**
 * node_exporter's textfile directory on the node. kube-prometheus-stack sets none (its
 * prometheus-node-exporter subchart's values.yaml only shows, commented out,
 * `--collector.textfile.directory=/run/prometheus` with a sidecar volume at /run/prometheus);
 * this hostPath is that same path on the node, so that example flag reads it unchanged. /run is
 * a tmpfs: a reboot leaves no stale file behind.
 */
export const DEFAULT_TEXTFILE_DIR = '/run/prometheus';
export const DEFAULT_NAMESPACE = 'cgroup-forensics';
export const DEFAULT_INTERVAL_MINUTES = 5;

/** What the container sees: constant paths (the volumes' mount points), never a user's value in shell text. */
export const MOUNTS = { hostRoot: '/host', cli: '/opt/cgroup-forensics', textfile: '/var/lib/cgroup-forensics/textfile', tmp: '/tmp' } as const;
export const TEXTFILE_NAME = 'cgroup-forensics.prom';
export const BUNDLE_KEY = 'cli.js';

export interface DaemonSetOptions {
  /** The bundled CLI's text (dist/cli.js built with --production): what the ConfigMap holds. */
  bundle: string;
  image?: string;
  intervalMinutes?: number;
  /** node_exporter's textfile directory on the node (a hostPath). */
  textfileDir?: string;
  namespace?: string;
  priorityClass?: string;
}

/** Why these options cannot make manifests (one line, naming the option), or undefined. */
export function daemonSetOptionProblem(o: Omit<DaemonSetOptions, 'bundle'>): string | undefined {
  if (o.image !== undefined && !/^[a-z0-9][a-z0-9._/:-]*(@sha256:[0-9a-f]{64})?$/i.test(o.image)) return `--image takes an image reference (registry/name:tag or @sha256:digest), not '${o.image}'`;
  if (o.intervalMinutes !== undefined && !(Number.isInteger(o.intervalMinutes) && o.intervalMinutes >= 1 && o.intervalMinutes <= 1440)) return `--interval takes whole minutes from 1 to 1440, not '${o.intervalMinutes}'`;
  if (o.textfileDir !== undefined && !(/^\/[A-Za-z0-9._/-]*$/.test(o.textfileDir) && o.textfileDir !== '/' && !o.textfileDir.split('/').some((p) => p === '..' || p === '.'))) return `--textfile-dir takes an absolute directory on the node (no '.' or '..', not /), not '${o.textfileDir}'`;
  if (o.namespace !== undefined && !/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(o.namespace)) return `--namespace takes a Kubernetes namespace name (lower-case letters, digits and '-', at most 63), not '${o.namespace}'`;
  if (o.priorityClass !== undefined && !(o.priorityClass.length <= 253 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(o.priorityClass))) return `--priority-class takes a PriorityClass name, not '${o.priorityClass}'`;
  return undefined;
}

/**
 * The container's loop, constant text: paths and the interval come from the environment the
 * manifest sets. Each round writes a temporary file in the textfile directory and renames it over
 * the last (a rename within one directory is atomic, so node_exporter never reads half a file; the
 * temporary name does not end in .prom, which is all the collector reads). A failed export leaves
 * the last file, which then ages: the liveness check and CgroupForensicsStale say so.
 */
export const EXPORT_LOOP = `set -u
out="$CF_TEXTFILE_DIR/${TEXTFILE_NAME}"
tmp="$CF_TEXTFILE_DIR/.${TEXTFILE_NAME}.tmp"
trap 'rm -f "$tmp"; exit 0' TERM INT
while :; do
  if node "$CF_CLI" export --prometheus --host-root "$CF_HOST_ROOT" --no-kube --node-name "$NODE_NAME" >"$tmp"; then
    chmod 0644 "$tmp"
    mv -f "$tmp" "$out"
  else
    echo "cgroup-forensics: export failed (status $?); $out keeps the last scan" >&2
    rm -f "$tmp"
  fi
  sleep "$CF_INTERVAL_SECONDS" &
  wait $!
done
`;

/** The liveness check: the export file exists and is younger than CF_MAX_AGE_SECONDS. */
export const LIVENESS_CHECK = `f="$CF_TEXTFILE_DIR/${TEXTFILE_NAME}"
[ -f "$f" ] || exit 1
age=$(( $(date +%s) - $(stat -c %Y "$f") ))
[ "$age" -lt "$CF_MAX_AGE_SECONDS" ]
`;

/** Three missed rounds and a minute for a slow scan: then the loop is stuck, or every export fails. */
export function maxAgeSeconds(intervalMinutes: number): number {
  return intervalMinutes * 60 * 3 + 60;
}

export function daemonSetFix(o: DaemonSetOptions): FixDocument {
  const problem = daemonSetOptionProblem(o);
  if (problem) throw new FixInputError(problem);
  const size = Buffer.byteLength(o.bundle, 'utf8');
  if (size > CONFIGMAP_DATA_LIMIT) throw new FixInputError(`the bundled CLI is ${size} bytes; a ConfigMap holds at most ${CONFIGMAP_DATA_LIMIT} (1 MiB): use the minified bundle (node scripts/build.mjs --production)`);
  if (!o.bundle.startsWith('#!/usr/bin/env node')) throw new FixInputError('the bundle is not the cgroup-forensics CLI (dist/cli.js): it does not start with its #!/usr/bin/env node line');
  const image = o.image ?? DEFAULT_IMAGE;
  const interval = o.intervalMinutes ?? DEFAULT_INTERVAL_MINUTES;
  const textfileDir = o.textfileDir ?? DEFAULT_TEXTFILE_DIR;
  const namespace = o.namespace ?? DEFAULT_NAMESPACE;
  const labels = { 'app.kubernetes.io/name': 'cgroup-forensics', 'app.kubernetes.io/component': 'exporter' };
  const sha = createHash('sha256').update(o.bundle).digest('hex');

  const ns: Record<string, YamlValue> = {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name: namespace,
      // hostPath volumes are outside the Baseline Pod Security Standard; the pod is still not privileged.
      labels: { ...labels, 'pod-security.kubernetes.io/enforce': 'privileged' },
    },
  };
  const cm: Record<string, YamlValue> = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'cgroup-forensics-cli', namespace, labels },
    data: { [BUNDLE_KEY]: o.bundle },
  };
  const ds: Record<string, YamlValue> = {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'cgroup-forensics', namespace, labels },
    spec: {
      selector: { matchLabels: labels },
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '10%' } },
      template: {
        metadata: {
          labels,
          // A new bundle is a new pod template: the pods roll instead of running the old one.
          annotations: { 'cgroup-forensics/bundle-sha256': sha },
        },
        spec: {
          priorityClassName: o.priorityClass,
          // Nothing here talks to the API server (export runs with --no-kube).
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          // The host's PID namespace: a cgroup's cgroup.procs lists only the pids the reader's
          // namespace can see (cgroup v1 leaves the others out, v2 prints them as 0), so from the
          // pod's own namespace every pod cgroup would look empty and orphans holding processes
          // would be judged as empty ones.
          hostPID: true,
          nodeSelector: { 'kubernetes.io/os': 'linux' },
          // Every node, whatever its taints: a tainted node leaks cgroups too.
          tolerations: [{ operator: 'Exists' }],
          terminationGracePeriodSeconds: 10,
          securityContext: {
            // uid 0 without capabilities: kubelet's state (/var/lib/kubelet, mode 0750 root:root)
            // is read as its owner. No capability is added: a non-root user would need
            // CAP_DAC_READ_SEARCH, which a non-root container does not keep across exec.
            runAsUser: 0,
            runAsGroup: 0,
            runAsNonRoot: false,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          containers: [
            {
              name: 'exporter',
              image,
              imagePullPolicy: 'IfNotPresent',
              command: ['/bin/sh', '-c', EXPORT_LOOP],
              env: [
                { name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
                { name: 'CF_INTERVAL_SECONDS', value: String(interval * 60) },
                { name: 'CF_MAX_AGE_SECONDS', value: String(maxAgeSeconds(interval)) },
                { name: 'CF_HOST_ROOT', value: MOUNTS.hostRoot },
                { name: 'CF_CLI', value: `${MOUNTS.cli}/${BUNDLE_KEY}` },
                { name: 'CF_TEXTFILE_DIR', value: MOUNTS.textfile },
                // V8 collects before the memory limit would kill it.
                { name: 'NODE_OPTIONS', value: '--max-old-space-size=192' },
              ],
              resources: { requests: { cpu: '10m', memory: '64Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
              securityContext: {
                privileged: false,
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ['ALL'] },
              },
              livenessProbe: {
                exec: { command: ['/bin/sh', '-c', LIVENESS_CHECK] },
                // The first scan starts at once; the file left by an earlier pod may be old until then.
                initialDelaySeconds: 120,
                periodSeconds: 60,
                timeoutSeconds: 10,
                failureThreshold: 3,
              },
              volumeMounts: [
                { name: 'host-root', mountPath: MOUNTS.hostRoot, readOnly: true, mountPropagation: 'HostToContainer' },
                { name: 'cli', mountPath: MOUNTS.cli, readOnly: true },
                { name: 'textfile', mountPath: MOUNTS.textfile },
                { name: 'tmp', mountPath: MOUNTS.tmp },
              ],
            },
          ],
          volumes: [
            { name: 'host-root', hostPath: { path: '/', type: 'Directory' } },
            { name: 'cli', configMap: { name: 'cgroup-forensics-cli', defaultMode: 0o444 } },
            { name: 'textfile', hostPath: { path: textfileDir, type: 'DirectoryOrCreate' } },
            { name: 'tmp', emptyDir: { medium: 'Memory', sizeLimit: '16Mi' } },
          ],
        },
      },
    },
  };

  const head = [
    '# cgroup-forensics on every node (generated by cgroup-forensics fix daemonset).',
    `# Every ${interval} minute(s) each node runs export --prometheus on the bundled CLI (the ConfigMap) and`,
    `# writes ${textfileDir}/${TEXTFILE_NAME} for node_exporter's textfile collector.`,
    '# Apply with server-side apply: the ConfigMap is larger than the 256 KiB annotation that',
    '# client-side apply would copy it into.',
    '#   kubectl apply --server-side --dry-run=server -f cgroup-forensics.yaml && kubectl apply --server-side -f cgroup-forensics.yaml',
  ];
  const content = `${head.join('\n')}\n${[ns, cm, ds].map((d) => `---\n${yamlDocument(d)}`).join('')}`;
  return {
    kind: 'daemonset',
    title: `DaemonSet exporting cgroup metrics every ${interval} min into ${textfileDir} (namespace ${namespace})`,
    content,
    reasons: [
      `keeps every node watched: export --prometheus every ${interval} minute(s) into node_exporter's textfile directory, which the prometheus and grafana fixes read`,
      `the CLI travels in a ConfigMap (${size} of ${CONFIGMAP_DATA_LIMIT} bytes) on the public image ${image}: no image of our own`,
    ],
    apply: [
      'kubectl apply --server-side --dry-run=server -f cgroup-forensics.yaml',
      'kubectl apply --server-side -f cgroup-forensics.yaml',
      `node_exporter must read ${textfileDir}: kube-prometheus-stack values prometheus-node-exporter.extraArgs += --collector.textfile.directory=${textfileDir}, extraHostVolumeMounts: ${textfileDir} (readOnly)`,
    ],
  };
}
