import { readRecords } from '../nodeScript/records';
import { unescapeField } from '../probe/fieldEscape';

export const FACTS_PROTOCOL = '1';

/** A fact as the node gave it, with where it came from (a file path or a command line). */
export interface RawFact {
  key: string;
  source: string;
  value: string;
}

/** A fact that could not be had: missing tool, unreadable file, failed command. */
export interface MissingFact {
  key: string;
  source: string;
  reason: string;
}

export interface RawFacts {
  found: RawFact[];
  missing: MissingFact[];
}

/**
 * Parses the facts program's whole output. Values are decoded as UTF-8 (config files and command
 * output are text); the records are line-based exactly as the probe's.
 */
export function parseFacts(output: Buffer | string): RawFacts & { complete: boolean } {
  const text = typeof output === 'string' ? output : output.toString('utf8');
  const found: RawFact[] = [];
  const missing: MissingFact[] = [];
  const { complete } = readRecords(text, 'facts', [FACTS_PROTOCOL], (f) => {
    switch (f[0]) {
      case 'F':
        found.push({ key: f[1] ?? '', source: unescapeField(f[2] ?? ''), value: unescapeField(f[3] ?? '') });
        return true;
      case 'N':
        missing.push({ key: f[1] ?? '', source: unescapeField(f[2] ?? ''), reason: unescapeField(f[3] ?? '') });
        return true;
      default:
        return false;
    }
  });
  return { found, missing, complete };
}
