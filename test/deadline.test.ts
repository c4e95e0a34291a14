import { describe, expect, it } from 'vitest';
import { deadline } from '../src/core/deadline.js';

describe('deadline', () => {
  it('aborts after its time with the reason AbortSignal.timeout gives', async () => {
    const { signal } = deadline(20);
    expect(signal.aborted).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBeInstanceOf(DOMException);
    expect((signal.reason as DOMException).name).toBe('TimeoutError');
  });

  it('never aborts once cleared', async () => {
    const { signal, clear } = deadline(20);
    clear();
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(signal.aborted).toBe(false);
  });
});
