import prelude from './prelude.sh';

/**
 * A node-side program as it is sent: the shared prelude (the awk escaping function and the
 * rec/have/node helpers) followed by the program. Still one constant text per program.
 */
export function nodeProgram(script: string): string {
  return `${prelude}\n${script}`;
}
