import { KeywardError } from '../common/errors/keyward-error';

export interface ParsedActivityQuery {
  actions: string[];
  keywords: string[];
  from?: Date;
  /** Exclusive upper bound. */
  to?: Date;
}

const DAY_MS = 86_400_000;

/**
 * The xyOps search syntax of `search_activity`: `action:apikey_create`, `action:a|b`,
 * `keywords:WORD`, `date:>=YYYY-MM-DD`, `date:<YYYY-MM-DD` (also `>`, `<=` and a bare day), and
 * bare words as keywords. Terms are separated by spaces and all must match.
 */
export function parseActivityQuery(query: string | undefined): ParsedActivityQuery {
  const parsed: ParsedActivityQuery = { actions: [], keywords: [] };
  for (const term of (query ?? '').trim().split(/\s+/).filter((part) => part.length > 0 && part !== '*')) {
    const colon = term.indexOf(':');
    const field = colon === -1 ? 'keywords' : term.slice(0, colon).toLowerCase();
    const value = colon === -1 ? term : term.slice(colon + 1);
    if (value === '') throw badQuery(term);
    switch (field) {
      case 'action':
        parsed.actions.push(...value.split('|').filter((action) => /^[a-z0-9_.]{1,64}$/.test(action) || throwBad(term)));
        break;
      case 'keywords':
      case 'keyword':
        parsed.keywords.push(value.slice(0, 100));
        break;
      case 'date':
        applyDate(parsed, value, term);
        break;
      default:
        throw badQuery(term);
    }
  }
  return parsed;
}

function applyDate(parsed: ParsedActivityQuery, value: string, term: string): void {
  const match = /^(>=|<=|>|<)?(\d{4}-\d{2}-\d{2})$/.exec(value);
  const day = match ? Date.parse(`${match[2]}T00:00:00.000Z`) : NaN;
  if (!match || Number.isNaN(day)) throw badQuery(term);
  switch (match[1]) {
    case '>=':
      parsed.from = new Date(day);
      break;
    case '>':
      parsed.from = new Date(day + DAY_MS);
      break;
    case '<':
      parsed.to = new Date(day);
      break;
    case '<=':
      parsed.to = new Date(day + DAY_MS);
      break;
    default:
      parsed.from = new Date(day);
      parsed.to = new Date(day + DAY_MS);
  }
}

function badQuery(term: string): KeywardError {
  return new KeywardError('validation', `Invalid parameter: query: cannot understand '${term.slice(0, 60)}'`, {
    errors: [{ field: 'query', message: 'use action:NAME, action:a|b, keywords:WORD, date:>=YYYY-MM-DD or date:<YYYY-MM-DD' }],
  });
}

function throwBad(term: string): never {
  throw badQuery(term);
}
