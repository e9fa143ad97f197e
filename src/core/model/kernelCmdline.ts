/** Parameters on the kernel command line (/proc/cmdline), read as the kernel and systemd read them. */

/** The values a parameter has on the kernel command line (the last one counts for most parameters). */
function cmdlineValues(cmdline: string, key: string): string[] {
  return cmdline
    .split(/\s+/)
    .filter((w) => w === key || w.startsWith(`${key}=`))
    .map((w) => (w === key ? '' : w.slice(key.length + 1)));
}

/** cgroup.memory= takes a comma-separated list (mm/memcontrol.c cgroup_memory() splits it with strsep): "nosocket,nokmem" counts. */
export function cmdlineHasNokmem(cmdline: string): boolean {
  return cmdlineValues(cmdline, 'cgroup.memory').some((v) => v.split(',').includes('nokmem'));
}

/** systemd reads the parameter as a boolean (1, yes, y, true, t, on), and a bare parameter as true. */
export function cmdlineWantsUnified(cmdline: string): boolean {
  const last = cmdlineValues(cmdline, 'systemd.unified_cgroup_hierarchy').pop();
  return last !== undefined && ['', '1', 'yes', 'y', 'true', 't', 'on'].includes(last.toLowerCase());
}
