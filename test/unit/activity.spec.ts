import { canonicalJson, chainHash } from '../../src/audit/chain';
import { parseActivityQuery } from '../../src/audit/activity-query';

describe('parseActivityQuery', () => {
  it('reads the xyOps terms', () => {
    expect(parseActivityQuery('action:apikey_create')).toEqual({ actions: ['apikey_create'], keywords: [] });
    expect(parseActivityQuery('action:apikey_create|apikey_delete keywords:deploy')).toEqual({
      actions: ['apikey_create', 'apikey_delete'],
      keywords: ['deploy'],
    });
    expect(parseActivityQuery('date:>=2026-11-01 date:<2026-11-22')).toMatchObject({
      from: new Date('2026-11-01T00:00:00.000Z'),
      to: new Date('2026-11-22T00:00:00.000Z'),
    });
    expect(parseActivityQuery('date:2026-11-05')).toMatchObject({ from: new Date('2026-11-05T00:00:00Z'), to: new Date('2026-11-06T00:00:00Z') });
    expect(parseActivityQuery('rotation *')).toEqual({ actions: [], keywords: ['rotation'] });
    expect(parseActivityQuery(undefined)).toEqual({ actions: [], keywords: [] });
  });

  it('refuses what it cannot read, naming the term', () => {
    expect(() => parseActivityQuery('user:bob')).toThrow("cannot understand 'user:bob'");
    expect(() => parseActivityQuery('date:yesterday')).toThrow('date:yesterday');
    expect(() => parseActivityQuery("action:x';drop")).toThrow();
  });
});

describe('activity chain', () => {
  const record = {
    id: '6f1c7c0e-1b1a-4d3b-9a59-2f1d3c4b5a69',
    organizationId: '00000000-0000-4000-8000-000000000001',
    actorKind: 'user',
    actorId: 'u',
    action: 'apikey_create',
    targetKind: 'api_key',
    targetId: 'k',
    outcome: 'success',
    ip: '127.0.0.1',
    userAgent: null,
    requestId: 'r',
    details: { b: 1, a: [1, { d: 2, c: 3 }] },
    createdAt: new Date('2026-11-22T10:00:00.000Z'),
  };

  it('serialises canonically, whatever the key order', () => {
    expect(canonicalJson({ b: 1, a: { d: 1, c: [2, { f: 1, e: 2 }] } })).toBe('{"a":{"c":[2,{"e":2,"f":1}],"d":1},"b":1}');
  });

  it('changes the hash with any field or the previous hash', () => {
    const first = chainHash(record, null);
    expect(chainHash({ ...record, details: { a: [1, { c: 3, d: 2 }], b: 1 } }, null).equals(first)).toBe(true);
    expect(chainHash({ ...record, outcome: 'failure' }, null).equals(first)).toBe(false);
    expect(chainHash({ ...record, details: { b: 2, a: [1, { d: 2, c: 3 }] } }, null).equals(first)).toBe(false);
    expect(chainHash(record, first).equals(first)).toBe(false);
  });
});

import { withinBusinessHours } from '../../src/audit/business-hours';

describe('withinBusinessHours', () => {
  const zurichWeekdays = { timezone: 'Europe/Zurich', days: [1, 2, 3, 4, 5], start: '08:00', end: '18:00' };

  it('reads the local weekday and time of the organization', () => {
    expect(withinBusinessHours(zurichWeekdays, new Date('2026-11-23T09:00:00Z'))).toBe(true); // Monday 10:00 in Zurich
    expect(withinBusinessHours(zurichWeekdays, new Date('2026-11-23T17:30:00Z'))).toBe(false); // Monday 18:30
    expect(withinBusinessHours(zurichWeekdays, new Date('2026-11-22T10:00:00Z'))).toBe(false); // Sunday
    expect(withinBusinessHours(zurichWeekdays, new Date('2026-11-23T07:00:00Z'))).toBe(true); // 08:00 exactly: start is inclusive
  });
});
