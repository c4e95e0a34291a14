/** A run of neighbouring samples that share one fitted value. */
export interface Block {
  /** Index of the block's first sample (in the order given) and one past its last. */
  start: number;
  end: number;
  /** The fitted value: the mean of the block's samples. */
  value: number;
}

/**
 * The least-squares non-decreasing fit of `values` in the order given (pool adjacent violators): blocks of
 * neighbours, each at its samples' mean, the means increasing block to block. Samples in one `tie` group
 * (equal keys) always share a block. A step in the data stays a step in the fit, where a mean over fixed-size
 * groups would smear it across the group that straddles it.
 */
export function isotonicBlocks(values: readonly number[], ties?: readonly number[]): Block[] {
  const blocks: (Block & { sum: number })[] = [];
  let i = 0;
  while (i < values.length) {
    let end = i + 1;
    while (ties && end < values.length && ties[end] === ties[i]) end++;
    let sum = 0;
    for (let k = i; k < end; k++) sum += values[k]!;
    let block = { start: i, end, sum, value: sum / (end - i) };
    while (blocks.length && blocks.at(-1)!.value >= block.value) {
      const last = blocks.pop()!;
      const merged = last.sum + block.sum;
      block = { start: last.start, end: block.end, sum: merged, value: merged / (block.end - last.start) };
    }
    blocks.push(block);
    i = end;
  }
  return blocks.map(({ start, end, value }) => ({ start, end, value }));
}
