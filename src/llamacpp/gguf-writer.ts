import { closeSync, openSync, writeSync } from 'node:fs';
import { createRng } from '../core/rng.js';

/** GGUF metadata value types (gguf.h). */
const TYPE = { UINT32: 4, INT32: 5, FLOAT32: 6, STRING: 8, ARRAY: 9 } as const;
/** ggml tensor type F32. */
const GGML_F32 = 0;
const ALIGNMENT = 32;
/** The end-of-text token's id (after <unk> and <s>). */
const EOS_ID = 2;

export interface TestModelOptions {
  /** Embedding width. @default 64 */
  dim?: number;
  /** Transformer blocks. @default 2 */
  layers?: number;
  /** Attention heads. @default 4 */
  heads?: number;
  /** Feed-forward width. @default 2 × dim */
  feedForward?: number;
  /** Context length written into the metadata. @default 512 */
  contextLength?: number;
  seed?: number;
  /**
   * Answers run to their max_tokens: the end-of-text token's output row is zero and the others' are scaled
   * up, so it is (almost) never sampled. For tests that need answers of a known length. @default false
   */
  neverEnds?: boolean;
}

type Value =
  | { type: 'u32'; value: number }
  | { type: 'f32'; value: number }
  | { type: 'str'; value: string }
  | { type: 'strs'; value: string[] }
  | { type: 'f32s'; value: number[] }
  | { type: 'i32s'; value: number[] };

/** A little-endian byte builder. */
class Bytes {
  private chunks: Buffer[] = [];
  length = 0;
  push(buffer: Buffer): void {
    this.chunks.push(buffer);
    this.length += buffer.length;
  }
  u32(v: number): void {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v);
    this.push(b);
  }
  i32(v: number): void {
    const b = Buffer.alloc(4);
    b.writeInt32LE(v);
    this.push(b);
  }
  u64(v: number): void {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(v));
    this.push(b);
  }
  f32(v: number): void {
    const b = Buffer.alloc(4);
    b.writeFloatLE(v);
    this.push(b);
  }
  str(s: string): void {
    const body = Buffer.from(s, 'utf8');
    this.u64(body.length);
    this.push(body);
  }
  concat(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

/** The SPM vocabulary: <unk>, <s>, </s>, the 256 byte-fallback tokens, and a few word pieces (290 in all). */
export function testVocabulary(): { tokens: string[]; scores: number[]; types: number[] } {
  const tokens = ['<unk>', '<s>', '</s>'];
  const types = [2, 3, 3];
  for (let b = 0; b < 256; b++) {
    tokens.push(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);
    types.push(6);
  }
  const pieces = [
    '▁',
    '▁the',
    '▁a',
    '▁to',
    '▁of',
    '▁and',
    '▁is',
    '▁in',
    '▁it',
    '▁you',
    'e',
    't',
    'a',
    'o',
    'i',
    'n',
    's',
    'r',
    'h',
    'l',
    'd',
    'c',
    'u',
    'm',
    '▁json',
    '▁yes',
    '▁no',
    '{',
    '}',
    ':',
    '"',
  ];
  for (const piece of pieces) {
    tokens.push(piece);
    types.push(1);
  }
  const scores = tokens.map((_, i) => (types[i] === 1 ? -i : 0));
  return { tokens, scores, types };
}

/**
 * Writes a valid llama-architecture GGUF v3 file with random F32 weights: for timing and plumbing tests of the
 * llama.cpp engine (its output is gibberish). Dimensions in ggml order, innermost first; data aligned to 32.
 */
export function writeTestModel(
  file: string,
  options: TestModelOptions = {},
): { bytes: number; parameters: number } {
  const dim = options.dim ?? 64;
  const layers = options.layers ?? 2;
  const heads = options.heads ?? 4;
  const ff = options.feedForward ?? dim * 2;
  const headDim = dim / heads;
  if (!Number.isInteger(headDim))
    throw new Error(`--dim ${dim} must be divisible by the number of heads (${heads})`);
  const vocab = testVocabulary();
  const nVocab = vocab.tokens.length;

  const metadata: [string, Value][] = [
    ['general.architecture', { type: 'str', value: 'llama' }],
    ['general.name', { type: 'str', value: `hybridllm-test-${dim}x${layers}` }],
    ['general.alignment', { type: 'u32', value: ALIGNMENT }],
    ['llama.context_length', { type: 'u32', value: options.contextLength ?? 512 }],
    ['llama.embedding_length', { type: 'u32', value: dim }],
    ['llama.block_count', { type: 'u32', value: layers }],
    ['llama.feed_forward_length', { type: 'u32', value: ff }],
    ['llama.attention.head_count', { type: 'u32', value: heads }],
    ['llama.attention.head_count_kv', { type: 'u32', value: heads }],
    ['llama.rope.dimension_count', { type: 'u32', value: headDim }],
    ['llama.attention.layer_norm_rms_epsilon', { type: 'f32', value: 1e-5 }],
    ['tokenizer.ggml.model', { type: 'str', value: 'llama' }],
    ['tokenizer.ggml.tokens', { type: 'strs', value: vocab.tokens }],
    ['tokenizer.ggml.scores', { type: 'f32s', value: vocab.scores }],
    ['tokenizer.ggml.token_type', { type: 'i32s', value: vocab.types }],
    ['tokenizer.ggml.unknown_token_id', { type: 'u32', value: 0 }],
    ['tokenizer.ggml.bos_token_id', { type: 'u32', value: 1 }],
    ['tokenizer.ggml.eos_token_id', { type: 'u32', value: EOS_ID }],
  ];

  const tensors: { name: string; dims: number[]; norm?: boolean }[] = [
    { name: 'token_embd.weight', dims: [dim, nVocab] },
    { name: 'output_norm.weight', dims: [dim], norm: true },
    { name: 'output.weight', dims: [dim, nVocab] },
  ];
  for (let i = 0; i < layers; i++) {
    tensors.push(
      { name: `blk.${i}.attn_norm.weight`, dims: [dim], norm: true },
      { name: `blk.${i}.attn_q.weight`, dims: [dim, dim] },
      { name: `blk.${i}.attn_k.weight`, dims: [dim, headDim * heads] },
      { name: `blk.${i}.attn_v.weight`, dims: [dim, headDim * heads] },
      { name: `blk.${i}.attn_output.weight`, dims: [dim, dim] },
      { name: `blk.${i}.ffn_norm.weight`, dims: [dim], norm: true },
      { name: `blk.${i}.ffn_gate.weight`, dims: [dim, ff] },
      { name: `blk.${i}.ffn_up.weight`, dims: [dim, ff] },
      { name: `blk.${i}.ffn_down.weight`, dims: [ff, dim] },
    );
  }

  const header = new Bytes();
  header.push(Buffer.from('GGUF', 'ascii'));
  header.u32(3);
  header.u64(tensors.length);
  header.u64(metadata.length);
  for (const [key, value] of metadata) {
    header.str(key);
    switch (value.type) {
      case 'u32':
        header.u32(TYPE.UINT32);
        header.u32(value.value);
        break;
      case 'f32':
        header.u32(TYPE.FLOAT32);
        header.f32(value.value);
        break;
      case 'str':
        header.u32(TYPE.STRING);
        header.str(value.value);
        break;
      case 'strs':
        header.u32(TYPE.ARRAY);
        header.u32(TYPE.STRING);
        header.u64(value.value.length);
        for (const s of value.value) header.str(s);
        break;
      case 'f32s':
        header.u32(TYPE.ARRAY);
        header.u32(TYPE.FLOAT32);
        header.u64(value.value.length);
        for (const v of value.value) header.f32(v);
        break;
      case 'i32s':
        header.u32(TYPE.ARRAY);
        header.u32(TYPE.INT32);
        header.u64(value.value.length);
        for (const v of value.value) header.i32(v);
        break;
    }
  }
  const align = (n: number): number => Math.ceil(n / ALIGNMENT) * ALIGNMENT;
  let offset = 0;
  const offsets: number[] = [];
  for (const tensor of tensors) {
    header.str(tensor.name);
    header.u32(tensor.dims.length);
    for (const d of tensor.dims) header.u64(d);
    header.u32(GGML_F32);
    header.u64(offset);
    offsets.push(offset);
    offset = align(offset + tensor.dims.reduce((a, b) => a * b, 1) * 4);
  }
  const headerBytes = header.concat();
  const dataStart = align(headerBytes.length);
  const fd = openSync(file, 'w');
  let parameters = 0;
  try {
    writeSync(fd, headerBytes);
    writeSync(fd, Buffer.alloc(dataStart - headerBytes.length));
    const rng = createRng(options.seed ?? 1);
    let written = 0;
    tensors.forEach((tensor, index) => {
      const count = tensor.dims.reduce((a, b) => a * b, 1);
      parameters += count;
      const values = new Float32Array(count);
      // Small random weights keep activations finite; norms are ones.
      const output = options.neverEnds && tensor.name === 'output.weight';
      const scale = (output ? 8 : 1) / Math.sqrt(tensor.dims[0]!);
      for (let i = 0; i < count; i++) values[i] = tensor.norm ? 1 : (rng() * 2 - 1) * scale;
      // The end-of-text row (token EOS_ID, dim values) at zero: its logit stays 0 while the others spread
      // several units either side, so sampling almost never picks it.
      if (output) values.fill(0, EOS_ID * dim, (EOS_ID + 1) * dim);
      const pad = offsets[index]! - written;
      if (pad > 0) writeSync(fd, Buffer.alloc(pad));
      writeSync(fd, Buffer.from(values.buffer));
      written = offsets[index]! + count * 4;
    });
    const tail = align(written) - written;
    if (tail > 0) writeSync(fd, Buffer.alloc(tail));
    return { bytes: dataStart + align(written), parameters };
  } finally {
    closeSync(fd);
  }
}
