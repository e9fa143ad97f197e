import type { Logger } from '../core/logger';

/** --verbose: the core's log lines on standard error, prefixed with their level. */
export const stderrLogger: Logger = {
  trace: (m) => process.stderr.write(`trace: ${m}\n`),
  debug: (m) => process.stderr.write(`debug: ${m}\n`),
  info: (m) => process.stderr.write(`info: ${m}\n`),
  warn: (m) => process.stderr.write(`warning: ${m}\n`),
  error: (m) => process.stderr.write(`error: ${m}\n`),
};
