import type { PrefixBlock } from '../../contract/request.js';

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
 * Memory stays bounded by the blocks used within two TTLs: expired entries are swept once per TTL.
 */
export class PromptCache {
  /** Per block id: when it expires and how many tokens of it are cached (growing runs cache a start). */
  private readonly entries = new Map<string, { until: number; tokens: number }>();
  private nextSweepMs = 0;

  constructor(readonly rules: PromptCacheRules) {}

  /** Looks the prefix up at `nowMs` and caches it, returning the tokens read and written. */
  use(blocks: readonly PrefixBlock[], nowMs: number): CacheUse {
    if (nowMs >= this.nextSweepMs) this.sweep(nowMs);
    let prefixTokens = 0;
    for (const block of blocks) prefixTokens += block.tokens;
    if (prefixTokens < this.rules.minTokens || blocks.length === 0) return NONE;
    let hit = 0;
    for (const block of blocks) {
      const entry = this.entries.get(block.id);
      if (entry === undefined || entry.until <= nowMs) break;
      const held = block.growing ? Math.min(entry.tokens, block.tokens) : block.tokens;
      hit += held;
      // A growing run read in part: the rest follows it, uncached, and nothing after it can match.
      if (held < block.tokens) break;
    }
    const until = nowMs + this.rules.ttlMs;
    // A read refreshes the entries it used; the rest of the prefix is written now.
    for (const block of blocks) {
      const entry = this.entries.get(block.id);
      if (entry === undefined) this.entries.set(block.id, { until, tokens: block.tokens });
      else {
        entry.tokens =
          block.growing && entry.until > nowMs ? Math.max(entry.tokens, block.tokens) : block.tokens;
        entry.until = until;
      }
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
    return this.entries.size;
  }

  /** Tokens billed as cached out of a hit of `hit` tokens: none below the minimum, then in increments. */
  private counted(hit: number): number {
    const { minTokens, increment } = this.rules;
    if (hit < minTokens || hit === 0) return 0;
    if (increment <= 1) return hit;
    return minTokens + Math.floor((hit - minTokens) / increment) * increment;
  }

  /** Drops expired entries, at most once per TTL of clock time (so at most two TTLs' worth are held). */
  private sweep(nowMs: number): void {
    for (const [id, entry] of this.entries) if (entry.until <= nowMs) this.entries.delete(id);
    this.nextSweepMs = nowMs + this.rules.ttlMs;
  }
}
