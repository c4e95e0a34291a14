import { describe, expect, it } from 'vitest';
import { fitWake } from '../src/bench/idle-probe.js';
import { isotonicBlocks } from '../src/bench/isotonic.js';
import { wakeAfter } from '../src/backends/simulated/capacity-rates.js';

describe('isotonicBlocks', () => {
  it('pools neighbours that break the order into their mean, and keeps tied samples together', () => {
    expect(isotonicBlocks([0, 1, 0, 1, 1]).map((b) => [b.start, b.end, b.value])).toEqual([
      [0, 1, 0],
      [1, 3, 0.5],
      [3, 5, 1],
    ]);
    // Already increasing: one block per distinct value.
    expect(isotonicBlocks([0, 0, 1, 2]).map((b) => b.value)).toEqual([0, 1, 2]);
    // Two samples at one key pool even when they are in order.
    expect(isotonicBlocks([0, 1], [5, 5]).map((b) => b.value)).toEqual([0.5]);
    expect(isotonicBlocks([])).toEqual([]);
  });
});

describe('fitWake', () => {
  // The idle probe's 40 idle times, evenly spread on a log scale from 20 ms to 2 s.
  const idle = Array.from({ length: 40 }, (_, i) => Math.round(20 * 100 ** ((i + 0.5) / 40)));

  it('keeps a server that wakes after a fixed idle time a step where it is', () => {
    // Cold (60 ms more to the first token) from 250 ms idle on, as the fidelity mock is.
    const extra = idle.map((ms) => (ms >= 250 ? 60 : 1));
    const curve = fitWake(idle, extra, 12);
    const below = idle.filter((ms) => ms < 250);
    const above = idle.filter((ms) => ms >= 250);
    expect(curve).toEqual([
      { idleMs: idle[0], share: 0, coldMs: 60 },
      { idleMs: below.at(-1), share: 0, coldMs: 60 },
      { idleMs: above[0], share: 1, coldMs: 60 },
      { idleMs: idle.at(-1), share: 1, coldMs: 60 },
    ]);
    // Read back by the simulation, no call waits up to the last warm idle time, every call from the first
    // cold one. The old fit (a point per group of eight at its median idle, linear between) made a call after
    // 150 ms idle cold for one draw in eight, after 200 ms for one in four.
    const rates = {
      decode: [{ sequences: 1, tokensPerS: 100 }],
      prefill: [{ sequences: 1, tokensPerS: 1000 }],
      wake: curve.map((p) => ({ idleMs: p.idleMs, ms: p.coldMs, share: p.share })),
    };
    const draws = Array.from({ length: 100 }, (_, i) => (i + 0.5) / 100);
    const coldAt = (ms: number): number => draws.filter((d) => wakeAfter(rates, ms, d) > 0).length / 100;
    expect(coldAt(150)).toBe(0);
    expect(coldAt(below.at(-1)!)).toBe(0);
    expect(coldAt(above[0]!)).toBe(1);
    expect(coldAt(1_000)).toBe(1);
    expect(wakeAfter(rates, 1_000, 0.5)).toBe(60);
  });

  it('fits a rising share where the server is cold more often the longer it sat, never falling', () => {
    // Cold for every third request below 100 ms idle, two in three to 300 ms, all beyond; cold costs ~60 ms.
    const extra = idle.map((ms, i) => {
      const cold = ms < 100 ? i % 3 === 0 : ms < 300 ? i % 3 !== 0 : true;
      return cold ? 55 + (i % 3) * 5 : 2;
    });
    const curve = fitWake(idle, extra, 12);
    for (let i = 1; i < curve.length; i++) {
      expect(curve[i]!.idleMs).toBeGreaterThanOrEqual(curve[i - 1]!.idleMs);
      expect(curve[i]!.share).toBeGreaterThanOrEqual(curve[i - 1]!.share);
    }
    expect(curve.at(-1)!.share).toBe(1);
    expect(curve[0]!.share).toBeGreaterThan(0);
    expect(curve[0]!.share).toBeLessThan(0.5);
    for (const p of curve) {
      expect(p.coldMs).toBeGreaterThanOrEqual(55);
      expect(p.coldMs).toBeLessThanOrEqual(65);
    }
    // No request cold: share 0 throughout, and no cost to pay.
    expect(
      fitWake(
        idle,
        idle.map(() => 1),
        12,
      ),
    ).toEqual([
      { idleMs: idle[0], share: 0, coldMs: 0 },
      { idleMs: idle.at(-1), share: 0, coldMs: 0 },
    ]);
  });
});
