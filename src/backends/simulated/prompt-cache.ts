import type { PrefixBlock } from '../../router/types.js';

/** How one model's server caches prompt prefixes, resolved from config and the provider's rules. */
export interface PromptCacheRules {
  /**
   * `explicit`: the client marks a breakpoint at the end of the cacheable prefix; tokens newly cached are
   * billed as cache writes (Anthropic). `automatic`: the server caches every prefix at no charge (OpenAI,
   * and a local server's KV prefix cache).
   */
  mode: 'explicit' | 'automatic';
  /** An entry lives this long after its last use, ms. */
  ttlMs: number;
  /** Prefixes shorter than this are neither cached nor read. */
  minTokens: number;
  /** Cached tokens are counted in steps of this many past `minTokens` (OpenAI: 128). @default 1 */
  increment: number;
}

/** What one call found in the cache: tokens read, and tokens written (billed only in explicit mode). */
export interface CacheUse {
  readTokens: number;
  writeTokens: number;
}

const NONE: CacheUse = { readTokens: 0, writeTokens: 0 };

/**
 * One model's prompt cache on the (virtual) clock: content-addressed prefix blocks, each alive until `ttl`
 * after its last use. A call reads the longest run of leading blocks that are alive, and caches the rest of
 * its prefix. A block's id names its whole prefix (like Mooncake's hash ids), so a run of live leading
 * blocks is a prefix match.
 *
 * Memory stays bounded by the blocks used within one TTL: a Map kept in last-use order is swept from the
 * front, where the oldest entries are, on every call.
 */
export class PromptCache {
  private readonly expiry = new Map<string, number>();

  constructor(readonly rules: PromptCacheRules) {}

  /** Looks the prefix up at `nowMs` and caches it, returning the tokens read and written. */
  use(blocks: readonly PrefixBlock[], nowMs: number): CacheUse {
    this.sweep(nowMs);
    let prefixTokens = 0;
    for (const block of blocks) prefixTokens += block.tokens;
    if (prefixTokens < this.rules.minTokens || blocks.length === 0) return NONE;
    let hit = 0;
    let i = 0;
    for (; i < blocks.length; i++) {
      const until = this.expiry.get(blocks[i]!.id);
      if (until === undefined || until <= nowMs) break;
      hit += blocks[i]!.tokens;
    }
    const until = nowMs + this.rules.ttlMs;
    // A read refreshes the entries it used; the rest of the prefix is written now. Re-inserting keeps the
    // Map in last-use order.
    for (const block of blocks) {
      this.expiry.delete(block.id);
      this.expiry.set(block.id, until);
    }
    const readTokens = this.counted(hit);
    return {
      readTokens,
      writeTokens: this.rules.mode === 'explicit' ? prefixTokens - readTokens : 0,
    };
  }

  /** Entries alive now (for tests and memory checks). */
  size(nowMs: number): number {
    this.sweep(nowMs);
    return this.expiry.size;
  }

  /** Tokens billed as cached out of a hit of `hit` tokens: none below the minimum, then in increments. */
  private counted(hit: number): number {
    const { minTokens, increment } = this.rules;
    if (hit < minTokens || hit === 0) return 0;
    if (increment <= 1) return hit;
    return minTokens + Math.floor((hit - minTokens) / increment) * increment;
  }

  private sweep(nowMs: number): void {
    for (const [id, until] of this.expiry) {
      if (until > nowMs) break;
      this.expiry.delete(id);
    }
  }
}
