import { parse, stringify } from 'smol-toml';
import type { FixDocument } from './fixDocument';
import { unifiedDiff } from './unifiedDiff';

/** The CRI plugin that holds runc's options, by config version: 3 for containerd 2.x, 2 for 1.x, 1 before. */
export function criRuntimePlugin(configVersion: number): string {
  return configVersion >= 3 ? 'io.containerd.cri.v1.runtime' : configVersion === 2 ? 'io.containerd.grpc.v1.cri' : 'cri';
}

/**
 * containerd's config.toml with the default runtime's SystemdCgroup set, under the key of the
 * config's own version: [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
 * for version 2 (containerd 1.x), [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]
 * for version 3 (2.x). The file is parsed and re-emitted with a TOML library: values and tables
 * are kept, comments and layout are not (the diff shows exactly what changes).
 */
export function containerdFix(current: { value: string; source: string } | undefined, containerdMajor: number | undefined, systemdCgroup: boolean, reasons: string[]): FixDocument {
  const path = current?.source ?? '/etc/containerd/config.toml';
  const doc = (current ? parse(current.value) : {}) as Record<string, unknown>;
  const version = typeof doc.version === 'number' ? doc.version : current ? 1 : containerdMajor !== undefined && containerdMajor >= 2 ? 3 : 2;
  if (!current) doc.version = version;
  const plugin = criRuntimePlugin(version);
  const table = (parent: Record<string, unknown>, key: string): Record<string, unknown> => {
    const v = parent[key];
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
    const made: Record<string, unknown> = {};
    parent[key] = made;
    return made;
  };
  const containerd = table(table(table(doc, 'plugins'), plugin), 'containerd');
  const name = typeof containerd.default_runtime_name === 'string' ? containerd.default_runtime_name : 'runc';
  const runtime = table(table(containerd, 'runtimes'), name);
  if (runtime.runtime_type === undefined) runtime.runtime_type = 'io.containerd.runc.v2';
  table(runtime, 'options').SystemdCgroup = systemdCgroup;
  const after = stringify(doc) + '\n';
  const before = current?.value ?? '';
  const note = version === 1 ? ['config version 1 is deprecated: consider `containerd config migrate` (containerd 1.7+) before applying'] : [];
  return {
    kind: 'containerd',
    title: `containerd ${path}: plugins.'${plugin}'.containerd.runtimes.${name}.options.SystemdCgroup = ${systemdCgroup} (config version ${version})`,
    targetPath: path,
    content: after,
    diff: unifiedDiff(before, after, current ? `a${path}` : '/dev/null', `b${path}`),
    ...(current ? { meaningDiff: unifiedDiff(stringify(parse(current.value)) + '\n', after, `a${path} (as re-emitted)`, `b${path}`) } : {}),
    reasons: [...reasons, 're-emitted by a TOML library: comments of the original file are not kept', ...note],
    apply: [`review, then replace ${path} with this file`, 'systemctl restart containerd (running containers keep running; new ones use the new driver)'],
  };
}
