import { parse } from 'smol-toml';
import { containerdDriverKey, criRuntimePlugin, tomlError, type RuntimeFacts } from '../facts/nodeFacts';
import { FixInputError, type FixDocument } from './fixDocument';
import { setTomlValue, TomlPatchError, tomlGet, type TomlScalar } from './tomlText';
import { unifiedDiff } from './unifiedDiff';

const RUNC_V2 = 'io.containerd.runc.v2';
const DEFAULT_PATH = '/etc/containerd/config.toml';
const RUNTIME_TYPE_REASON = `runtime_type = "${RUNC_V2}" is written too: a runtimes.runc table in the file replaces containerd's built-in runc entry, and without its own runtime_type runc's is empty (containerd 1.6's config dump and its CRI plugin's effective config show Type "")`;

/** What the containerd fix reads from the node's facts. */
export type ContainerdFacts = Pick<RuntimeFacts, 'containerdConfig' | 'containerdMajor' | 'raw'>;

/**
 * containerd's config with the default runtime's SystemdCgroup set, patched as text under the
 * plugin of the file's own version (containerdDriverKey in the facts), the runtime named by
 * default_runtime_name (default runc). Every other byte of the node's file is kept.
 *
 * A file that already says it: noChange. No file on the node: a new file holding only what must
 * change, which containerd merges over its built-in defaults. A file that exists but cannot be
 * read or parsed, or whose shape cannot be patched safely: FixInputError naming it.
 */
export function containerdFix(f: ContainerdFacts, systemdCgroup: boolean, reasons: string[]): FixDocument {
  const current = f.containerdConfig;
  if (!current) return newConfig(f, systemdCgroup, reasons);
  const path = current.source;
  const bad = tomlError(current.value);
  if (bad) throw new FixInputError(`cannot parse ${path}: ${bad}`);
  const doc = parse(current.value) as Record<string, unknown>;
  const version = doc.version === undefined ? 1 : doc.version;
  if (version !== 1 && version !== 2 && version !== 3) throw new FixInputError(`cannot patch ${path}: config version ${String(version)} is not one containerd knows (1, 2 or 3)`);
  const { runtime: name, path: key, shown } = containerdDriverKey(doc);
  const runtime = key.slice(0, -2);
  const title = `containerd ${path}: ${shown} = ${systemdCgroup} (config version ${version})`;
  const base = { kind: 'containerd' as const, title, targetPath: path };
  const now = tomlGet(doc, key);
  if (now === systemdCgroup || (now === undefined && !systemdCgroup)) {
    const why = now === undefined ? `${path} does not set SystemdCgroup: containerd's default is false (cgroupfs)` : `${path} already sets SystemdCgroup = ${systemdCgroup}`;
    return { ...base, content: current.value, noChange: why, reasons, apply: [] };
  }
  const edits: [string[], TomlScalar][] = [];
  const notes: string[] = [];
  if (tomlGet(doc, runtime) === undefined && name !== 'runc') throw new FixInputError(`cannot patch ${path}: default_runtime_name is "${name}" but no runtimes.${name} table defines it`);
  if (name === 'runc' && tomlGet(doc, [...runtime, 'runtime_type']) === undefined) {
    // A runtimes.runc table in the file replaces containerd's built-in one whole: without its own
    // runtime_type, runc's is "" (containerd 1.6: `config dump` and the CRI plugin's start log).
    edits.push([[...runtime, 'runtime_type'], RUNC_V2]);
    notes.push(RUNTIME_TYPE_REASON);
  }
  edits.push([key, systemdCgroup]);
  let after = current.value;
  try {
    for (const [k, v] of edits) after = setTomlValue(after, k, v);
  } catch (e) {
    if (e instanceof TomlPatchError) throw new FixInputError(`cannot patch ${path} safely: ${e.message}`);
    throw e;
  }
  const migrate = version === 1 ? ['config version 1 is deprecated (containerd 2.x no longer reads it): consider `containerd config migrate` (containerd 1.7+) before applying'] : [];
  return {
    ...base,
    content: after,
    diff: unifiedDiff(current.value, after, `a${path}`, `b${path}`),
    reasons: [...reasons, `patched as text: only ${edits.map(([k]) => k.slice(-2).join('.')).join(' and ')} ${edits.length > 1 ? 'change' : 'changes'}; comments and layout are kept`, ...notes, ...migrate],
    apply: [`review, then from /: patch -p1 < this-diff (or replace ${path} with the --file output)`, 'systemctl restart containerd (running containers keep running; new ones use the new driver)'],
  };
}

/**
 * No config file: containerd runs its built-in defaults, and a file holding only what must change
 * is merged over them (plugin settings key by key; a runtimes.runc table replaces the built-in
 * runc entry, hence runtime_type). Written in the version the node's containerd reads.
 */
function newConfig(f: ContainerdFacts, systemdCgroup: boolean, reasons: string[]): FixDocument {
  const missing = f.raw.missing.find((m) => m.key === 'containerd-config');
  const path = missing?.source || DEFAULT_PATH;
  if (missing && missing.reason !== 'missing') throw new FixInputError(`cannot read ${path}: ${missing.reason === 'unreadable' ? 'it exists but cannot be read' : missing.reason}`);
  const version = f.containerdMajor !== undefined && f.containerdMajor >= 2 ? 3 : 2;
  const plugin = criRuntimePlugin(version);
  const shown = `plugins.'${plugin}'.containerd.runtimes.runc.options.SystemdCgroup`;
  const title = `containerd ${path} (new file): ${shown} = ${systemdCgroup} (config version ${version})`;
  const which = f.containerdMajor !== undefined ? `containerd ${f.containerdMajor}.x reads version ${version}` : `containerd's version is unknown: written as version 2 (containerd 1.x; 2.x reads it too)`;
  if (!systemdCgroup) {
    return { kind: 'containerd', title, targetPath: path, content: '', noChange: `${path} does not exist: containerd runs its built-in default, SystemdCgroup = false (cgroupfs)`, reasons, apply: [] };
  }
  const q = version >= 3 ? `'${plugin}'` : `"${plugin}"`;
  const s = (v: string): string => (version >= 3 ? `'${v}'` : `"${v}"`);
  const content = [
    `version = ${version}`,
    '',
    `[plugins.${q}.containerd.runtimes.runc]`,
    `  runtime_type = ${s(RUNC_V2)}`,
    '',
    `[plugins.${q}.containerd.runtimes.runc.options]`,
    `  SystemdCgroup = ${systemdCgroup}`,
    '',
  ].join('\n');
  return {
    kind: 'containerd',
    title,
    targetPath: path,
    content,
    diff: unifiedDiff('', content, '/dev/null', `b${path}`),
    reasons: [
      ...reasons,
      `${path} does not exist, so containerd runs its built-in defaults; this file holds only what must change and containerd merges it over those defaults (${which})`,
      RUNTIME_TYPE_REASON,
    ],
    apply: [`review, then from /: patch -p1 < this-diff (or write the --file output to ${path})`, 'systemctl restart containerd (running containers keep running; new ones use the new driver)'],
  };
}
