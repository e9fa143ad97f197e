import procsScript from './procs.sh';

export const PROCS_SCRIPT: string = procsScript;

/** `sh -c PROGRAM NAME HOST_ROOT RECURSIVE DIR...`: the cgroup directories travel as arguments. */
export function procsArgv(dirs: readonly string[], o: { hostRoot?: string; recursive?: boolean } = {}): string[] {
  return ['sh', '-c', PROCS_SCRIPT, 'cgroup-forensics-procs', o.hostRoot ?? '', o.recursive ? '1' : '0', ...dirs];
}
