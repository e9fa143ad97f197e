import { parse as parseToml } from 'smol-toml';
import type { Sourced } from '../facts/nodeFacts';
import { crioDefaultManager, tomlError } from '../facts/nodeFacts';
import type { CgroupDriver } from '../model/k8sIdentity';
import { FixInputError, type FixDocument } from './fixDocument';
import { unifiedDiff } from './unifiedDiff';
import { setTomlValue, TomlPatchError } from './tomlText';

const CRIO_CONF = '/etc/crio/crio.conf';
const CRIO_DROP_IN_DIR = '/etc/crio/crio.conf.d/';
const DROP_IN_NAME = '99-cgroup-forensics.conf';

export interface CrioFixOptions {
  /** `crio --version` output, for CRI-O's default cgroup_manager (systemd from 1.18.0). */
  versionText?: string;
  /** crio's own --cgroup-manager flag, which overrides every file, and where it was seen. */
  flag?: Sourced<string>;
}

/**
 * CRI-O's cgroup_manager set to the wanted driver by the smallest change CRI-O will read.
 *
 * CRI-O reads crio.conf, then every file of crio.conf.d in lexical order, a later file's value
 * winning (docs/crio.conf.d.5.md; pkg/config/config.go UpdateFromPath walks the directory with
 * filepath.Walk, which is lexical). So:
 * - the last file that sets cgroup_manager decides: it is patched in place, as text;
 * - no file sets it and CRI-O's default (systemd from 1.18.0, cri-o#3137) is the wanted one: no change;
 * - no file sets it otherwise: a new drop-in whose name sorts after every existing one.
 * conmon_cgroup must suit the manager (pkg/config/config.go, 1.24 to 1.28 and main): "pod" or a
 * ".slice" under systemd, "pod" or empty under cgroupfs; where it would not, it becomes "pod".
 */
export function crioFix(driver: CgroupDriver, configs: readonly Sourced<string>[], reasons: string[], o: CrioFixOptions = {}): FixDocument {
  if (o.flag) {
    const seen = `crio runs with --cgroup-manager=${o.flag.value} (${o.flag.source}), which overrides crio.conf and every drop-in`;
    if (o.flag.value === driver) return { kind: 'crio', title: `CRI-O: cgroup_manager is already "${driver}"`, content: '', noChange: seen, reasons, apply: [] };
    return {
      kind: 'crio',
      title: `CRI-O: change its --cgroup-manager flag to ${driver}`,
      content: `# ${seen}: no file change helps.\n# Change the flag to --cgroup-manager=${driver} where crio's unit sets it (systemctl cat crio), then: systemctl daemon-reload && systemctl restart crio\n`,
      reasons: [...reasons, seen],
      apply: [`set --cgroup-manager=${driver} in the crio unit or its environment file (systemctl cat crio shows which)`, 'systemctl daemon-reload && systemctl restart crio (drain the node first)'],
    };
  }
  const files = orderAsCrioReads(configs).map((c) => {
    const bad = tomlError(c.value);
    if (bad) throw new FixInputError(`cannot parse ${c.source}: ${bad}`);
    return { ...c, ...runtimeTable(c.value) };
  });
  const decider = files.filter((c) => c.cgroupManager !== undefined).at(-1);
  const conmonFile = files.filter((c) => c.conmonCgroup !== undefined).at(-1);
  const conmonOk = conmonFile === undefined || conmonSuits(driver, conmonFile.conmonCgroup!);
  const apply = ['restart CRI-O: systemctl restart crio (drain the node first: running pods keep the cgroups of the old driver)'];

  // With no file setting it, the default decides: only a known version's default is trusted to
  // need no change (a drop-in that says the same does no harm where the default already is it).
  const def = crioDefaultManager(o.versionText);
  if (decider?.cgroupManager === driver || (!decider && def.known && def.value === driver)) {
    const why = decider
      ? `${decider.source} already sets cgroup_manager = "${driver}" (the last file that sets it)`
      : `no CRI-O config file sets cgroup_manager, so ${def.source} decides`;
    return {
      kind: 'crio',
      title: `CRI-O: cgroup_manager is already "${driver}"`,
      ...(decider ? { targetPath: decider.source } : {}),
      content: decider?.value ?? '',
      noChange: why,
      reasons: [...reasons, ...(conmonOk ? [] : [`${conmonFile!.source} sets conmon_cgroup = "${conmonFile!.conmonCgroup}", which CRI-O refuses with cgroup_manager = "${driver}": set it to "pod"`])],
      apply: [],
    };
  }

  if (decider) {
    let text = setRuntimeKey(decider.value, 'cgroup_manager', driver);
    const notes: string[] = [`${decider.source} is the last file that sets cgroup_manager ("${decider.cgroupManager}"): changed in place`];
    if (text !== undefined && !conmonOk) {
      // A conmon_cgroup set in a file read after this one would still win and make CRI-O refuse to
      // start: then a drop-in that sorts after both sets the two keys together (below).
      if (conmonFile === decider || files.indexOf(conmonFile!) < files.indexOf(decider)) {
        text = setRuntimeKey(text, 'conmon_cgroup', 'pod');
        if (text !== undefined) notes.push(`conmon_cgroup = "pod": "${conmonFile!.conmonCgroup}" is refused with cgroup_manager = "${driver}"`);
      } else text = undefined;
    }
    if (text !== undefined && readsBack(text, driver)) {
      return {
        kind: 'crio',
        title: `CRI-O ${decider.source}: cgroup_manager = "${driver}"`,
        targetPath: decider.source,
        content: text,
        diff: unifiedDiff(decider.value, text, `a${decider.source}`, `b${decider.source}`),
        reasons: [...reasons, ...notes],
        apply: [`patch -p1 -d / < THIS_DIFF (or edit ${decider.source} by hand)`, ...apply],
      };
    }
    reasons = [
      ...reasons,
      conmonOk || conmonFile === decider || files.indexOf(conmonFile!) < files.indexOf(decider)
        ? `${decider.source} sets cgroup_manager in a form this tool does not edit: a drop-in that sorts after it overrides it instead`
        : `${conmonFile!.source} sets conmon_cgroup = "${conmonFile!.conmonCgroup}" after ${decider.source}, which CRI-O refuses with cgroup_manager = "${driver}": a drop-in that sorts after both sets the two together`,
    ];
  }

  const existing = files.filter((c) => c.source.startsWith(CRIO_DROP_IN_DIR)).map((c) => c.source.slice(CRIO_DROP_IN_DIR.length));
  let name = DROP_IN_NAME;
  while (existing.some((e) => e >= name)) name = `z${name}`;
  const path = CRIO_DROP_IN_DIR + name;
  const content = `# Written by cgroup-forensics: CRI-O's cgroup manager must match kubelet's cgroup driver.\n[crio.runtime]\ncgroup_manager = "${driver}"\n${conmonOk ? '' : 'conmon_cgroup = "pod"\n'}`;
  return {
    kind: 'crio',
    title: `CRI-O drop-in ${path}: cgroup_manager = "${driver}"`,
    targetPath: path,
    content,
    diff: unifiedDiff('', content, '/dev/null', `b${path}`),
    reasons: [
      ...reasons,
      decider
        ? `it sorts after ${decider.source}, which sets cgroup_manager = "${decider.cgroupManager}"`
        : def.known
          ? `no CRI-O config file sets cgroup_manager, and ${def.source} is not ${driver}`
          : `no CRI-O config file sets cgroup_manager and CRI-O's version is unknown, so its default cannot be told (systemd from 1.18.0, cgroupfs before): the drop-in says it explicitly`,
      ...(conmonOk ? [] : [`conmon_cgroup = "pod": ${conmonFile!.source} sets "${conmonFile!.conmonCgroup}", refused with cgroup_manager = "${driver}"`]),
    ],
    apply: [`patch -p1 -d / < THIS_DIFF (or write the file ${path})`, ...apply],
  };
}

/** crio.conf first, then the drop-ins in lexical (byte) order, as CRI-O reads them. */
function orderAsCrioReads(configs: readonly Sourced<string>[]): Sourced<string>[] {
  const main = configs.filter((c) => c.source === CRIO_CONF);
  const dropIns = configs.filter((c) => c.source.startsWith(CRIO_DROP_IN_DIR)).sort((a, b) => Buffer.compare(Buffer.from(a.source), Buffer.from(b.source)));
  return [...main, ...dropIns];
}

function runtimeTable(text: string): { cgroupManager?: string; conmonCgroup?: string } {
  const rt = (parseToml(text) as { crio?: { runtime?: Record<string, unknown> } }).crio?.runtime ?? {};
  return {
    ...(typeof rt.cgroup_manager === 'string' ? { cgroupManager: rt.cgroup_manager } : {}),
    ...(typeof rt.conmon_cgroup === 'string' ? { conmonCgroup: rt.conmon_cgroup } : {}),
  };
}

/** "pod" suits both; a slice only systemd; empty means the default (system.slice under systemd, none under cgroupfs). */
function conmonSuits(driver: CgroupDriver, v: string): boolean {
  return v === 'pod' || v === '' || (driver === 'systemd' && v.endsWith('.slice'));
}


function readsBack(text: string, driver: CgroupDriver): boolean {
  try {
    const t = runtimeTable(text);
    return t.cgroupManager === driver && (t.conmonCgroup === undefined || conmonSuits(driver, t.conmonCgroup));
  } catch {
    return false;
  }
}

/** `[crio.runtime]` key set to a string as a text edit (tomlText); undefined where the file's shape cannot be edited safely. */
function setRuntimeKey(text: string, key: string, value: string): string | undefined {
  try {
    return setTomlValue(text, ['crio', 'runtime', key], value);
  } catch (e) {
    if (e instanceof TomlPatchError) return undefined;
    throw e;
  }
}
