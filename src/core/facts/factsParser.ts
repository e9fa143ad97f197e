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
  let complete = false;
  let sawVersion = false;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const f = line.split('\t');
    switch (f[0]) {
      case 'V':
        if (f[1] !== 'facts' || f[2] !== FACTS_PROTOCOL) throw new Error(`the facts program speaks ${f[1]} ${f[2]}, this reader facts ${FACTS_PROTOCOL}`);
        sawVersion = true;
        break;
      case 'F':
        found.push({ key: f[1] ?? '', source: unescapeField(f[2] ?? ''), value: unescapeField(f[3] ?? '') });
        break;
      case 'N':
        missing.push({ key: f[1] ?? '', source: unescapeField(f[2] ?? ''), reason: unescapeField(f[3] ?? '') });
        break;
      case 'Z':
        complete = true;
        break;
      default:
        throw new Error(`unexpected facts record ${JSON.stringify(line.slice(0, 40))}`);
    }
  }
  if (!sawVersion) throw new Error('the facts program printed nothing recognisable');
  return { found, missing, complete };
}
