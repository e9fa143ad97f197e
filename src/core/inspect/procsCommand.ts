import { bytesOf } from '../model/bytes';
import { nodeProgram } from '../nodeScript/nodeProgram';
import procsScript from './procs.sh';

export const PROCS_SCRIPT: string = nodeProgram(procsScript);

/**
 * `sh -c PROGRAM NAME HOST_ROOT RECURSIVE HEXDIR...`: the cgroup directories (byte strings, see
 * model/bytes.ts) travel as hex of their bytes, because an argv word is UTF-8 text on its way
 * through Node's spawn and an SSH exec request, and a cgroup name need not be UTF-8 at all.
 */
export function procsArgv(dirs: readonly string[], o: { hostRoot?: string; recursive?: boolean } = {}): string[] {
  return ['sh', '-c', PROCS_SCRIPT, 'cgroup-forensics-procs', o.hostRoot ?? '', o.recursive ? '1' : '0', ...dirs.map((d) => bytesOf(d).toString('hex'))];
}
