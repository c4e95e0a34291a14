import { describe, expect, it } from 'vitest';
import { LeaseBelief } from '../src/ledger/pg/lease-belief.js';

// The instance's side of the outage lease: it must never believe in more than the database may hold for
// it, whatever answers are lost or come back out of order.

const day = 'd:2026-12-02';
const floors = (usd: number): Map<string, number> => new Map([[day, usd]]);
const answer = (seq: number, usd: number) => ({ seq, lease: new Map([[day, usd]]) });

describe('LeaseBelief', () => {
  it('holds what the newest answer said, capped by the floors of calls on their way', () => {
    const belief = new LeaseBelief(1);
    const first = belief.begin(floors(0.3));
    belief.end(first, answer(1, 0.25));
    expect(belief.holds(day)).toBe(0.25);
    const lowering = belief.begin(floors(0.1));
    expect(belief.holds(day)).toBe(0.1); // the database may apply it before answering
    belief.end(lowering, answer(2, 0.12));
    expect(belief.holds(day)).toBe(0.12);
  });

  it('keeps a lost call’s floor even after later answers (it may still be applied), until the lease is given up', () => {
    const belief = new LeaseBelief(1);
    belief.end(belief.begin(floors(0.3)), answer(1, 0.3));
    belief.end(belief.begin(floors(0.05))); // no answer
    expect(belief.holds(day)).toBe(0.05);
    belief.end(belief.begin(floors(0.3)), answer(5, 0.28));
    expect(belief.holds(day)).toBe(0.05);
    const generation = belief.clear();
    expect(generation).toBeGreaterThan(1);
    expect(belief.holds(day)).toBe(0);
    belief.end(belief.begin(floors(0.3)), answer(6, 0.2));
    expect(belief.holds(day)).toBe(0.2);
  });

  it('ignores an older answer arriving after a newer one, and answers to calls from before it gave the lease up', () => {
    const belief = new LeaseBelief(1);
    const a = belief.begin(floors(0.4));
    const b = belief.begin(floors(0.4));
    belief.end(b, answer(8, 0.1));
    belief.end(a, answer(7, 0.4));
    expect(belief.holds(day)).toBe(0.1);
    const stale = belief.begin(floors(0.4));
    belief.clear();
    belief.end(stale, answer(9, 0.4));
    expect(belief.holds(day)).toBe(0);
  });

  it('a window it has no lease for holds nothing', () => {
    expect(new LeaseBelief(1).holds('m:2026-12')).toBe(0);
  });
});
