// A recorded workload held in memory after its first read, as typed columns, so every later pass over it (the
// baseline, the alternatives, the verdict's re-runs, the sizing trials) routes from memory instead of parsing
// the file again.
import type { RouteRequest } from '../contract/request.js';

/** Rows a column chunk holds: chunks are never copied as the buffer grows. */
const CHUNK_ROWS = 65_536;
/** Bytes a column row takes: arrival (8), input and output tokens (4 + 4), action (2). */
const COLUMN_ROW_BYTES = 18;
/**
 * The most memory the buffer takes (about 30 million column rows) before it gives up and later passes read
 * the file again, as a streamed replay does.
 */
export const DEFAULT_BUFFER_BYTES = 512 * 1024 * 1024;

interface Chunk {
  arrival: Float64Array;
  input: Int32Array;
  /** -1: no output tokens recorded. */
  output: Int32Array;
  /** Index into the action names; 0: no action. */
  action: Uint16Array;
  /** Row numbers of ids that are not `row<position + 1>` (a sorted replay's); allocated at the first one. */
  ids?: Uint32Array;
}

/** The keys a column row has, in the order the workload reader sets them. */
const COLUMN_KEYS = ['id', 'prompt', 'inputTokens', 'arrivalMs', 'action', 'outputTokens'] as const;

const isCount = (value: unknown): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 0x7fffffff;

/** The number in an id `row<n>`, or undefined when the id is not exactly that. */
function rowNumber(id: string | undefined): number | undefined {
  if (id === undefined || !id.startsWith('row')) return undefined;
  const n = Number(id.slice(3));
  return Number.isInteger(n) && n > 0 && n <= 0xffffffff && `row${n}` === id ? n : undefined;
}

/**
 * A workload's requests, recorded once as they stream past and replayed from memory after. Requests of the
 * common shape (an id, token counts, an arrival, an action, no text) are kept as typed columns, 18 bytes a
 * row; any other request is kept whole. Each replay yields fresh request objects equal to the recorded ones,
 * key for key, so a pass from the buffer routes exactly as a pass from the file.
 */
export class ReplayBuffer {
  private readonly chunks: Chunk[] = [];
  private rows = 0;
  private readonly actionNames: string[] = [''];
  private readonly actionIndex = new Map<string, number>();
  /** Requests not of the column shape, by position. */
  private readonly whole = new Map<number, RouteRequest>();
  private bytes = 0;
  private state: 'empty' | 'recording' | 'complete' | 'dropped' = 'empty';

  constructor(private readonly maxBytes = DEFAULT_BUFFER_BYTES) {}

  /** Whether a whole read has been recorded: `replay()` gives the workload without reading it. */
  get complete(): boolean {
    return this.state === 'complete';
  }

  /** Requests recorded. */
  get length(): number {
    return this.rows;
  }

  /**
   * Passes a read of the workload through, recording it when no read has been recorded yet. The recording
   * counts only when the read ends normally: a pass stopped early (a failure) leaves nothing recorded.
   */
  record(
    read: AsyncIterable<RouteRequest> | Iterable<RouteRequest>,
  ): AsyncIterable<RouteRequest> | Iterable<RouteRequest> {
    if (this.state !== 'empty') return read;
    this.state = 'recording';
    return this.recording(read);
  }

  private async *recording(
    read: AsyncIterable<RouteRequest> | Iterable<RouteRequest>,
  ): AsyncGenerator<RouteRequest> {
    let ended = false;
    try {
      for await (const request of read) {
        if (this.state === 'recording' && !this.add(request)) this.drop();
        yield request;
      }
      ended = true;
    } finally {
      if (this.state === 'recording') {
        if (ended) this.state = 'complete';
        else this.reset();
      }
    }
  }

  /** The recorded requests, as fresh objects, in the order they were read. */
  *replay(): Generator<RouteRequest> {
    if (this.state !== 'complete') throw new Error('the replay buffer holds no complete read');
    const names = this.actionNames;
    for (let c = 0; c < this.chunks.length; c++) {
      const chunk = this.chunks[c]!;
      const base = c * CHUNK_ROWS;
      const end = Math.min(CHUNK_ROWS, this.rows - base);
      for (let i = 0; i < end; i++) {
        const at = base + i;
        const action = chunk.action[i]!;
        if (action === 0xffff) {
          yield { ...this.whole.get(at)! };
          continue;
        }
        const request: RouteRequest = {
          id: `row${chunk.ids ? chunk.ids[i]! : at + 1}`,
          prompt: '',
          inputTokens: chunk.input[i]!,
          arrivalMs: chunk.arrival[i]!,
        };
        if (action !== 0) request.action = names[action]!;
        const output = chunk.output[i]!;
        if (output >= 0) request.outputTokens = output;
        yield request;
      }
    }
  }

  /** Records one request; false when the buffer would pass its memory bound. */
  private add(request: RouteRequest): boolean {
    const at = this.rows;
    const offset = at % CHUNK_ROWS;
    if (offset === 0) {
      this.bytes += CHUNK_ROWS * COLUMN_ROW_BYTES;
      if (this.bytes > this.maxBytes) return false;
      this.chunks.push({
        arrival: new Float64Array(CHUNK_ROWS),
        input: new Int32Array(CHUNK_ROWS),
        output: new Int32Array(CHUNK_ROWS),
        action: new Uint16Array(CHUNK_ROWS),
      });
    }
    const chunk = this.chunks[this.chunks.length - 1]!;
    this.rows++;
    const id = rowNumber(request.id);
    const action = request.action === undefined ? 0 : this.actionOf(request.action);
    if (id === undefined || action === undefined || !this.columnShaped(request)) {
      // Kept whole: its size is counted roughly as the text it would be.
      this.bytes += 2 * JSON.stringify(request).length + 64;
      chunk.action[offset] = 0xffff;
      this.whole.set(at, request);
      return this.bytes <= this.maxBytes;
    }
    if (id !== at + 1 && !chunk.ids) {
      chunk.ids = new Uint32Array(CHUNK_ROWS);
      for (let i = 0; i < offset; i++) chunk.ids[i] = at - offset + i + 1;
    }
    if (chunk.ids) chunk.ids[offset] = id;
    chunk.arrival[offset] = request.arrivalMs!;
    chunk.input[offset] = request.inputTokens!;
    chunk.output[offset] = request.outputTokens ?? -1;
    chunk.action[offset] = action;
    return true;
  }

  /** The action's index, or undefined when the names are full (the request is kept whole). */
  private actionOf(name: string): number | undefined {
    let index = this.actionIndex.get(name);
    if (index === undefined) {
      if (this.actionNames.length >= 0xffff) return undefined;
      index = this.actionNames.length;
      this.actionNames.push(name);
      this.actionIndex.set(name, index);
    }
    return index;
  }

  /** Whether the request has the column keys only, in the reader's order, with values the columns hold. */
  private columnShaped(request: RouteRequest): boolean {
    if (request.prompt !== '' || !isCount(request.inputTokens) || typeof request.arrivalMs !== 'number')
      return false;
    if (request.outputTokens !== undefined && !isCount(request.outputTokens)) return false;
    let k = 0;
    for (const key in request) {
      if (request[key as keyof RouteRequest] === undefined) return false;
      while (k < COLUMN_KEYS.length && COLUMN_KEYS[k] !== key) {
        // Only the optional keys may be missing.
        if (k < 4) return false;
        k++;
      }
      if (k === COLUMN_KEYS.length) return false;
      k++;
    }
    return k >= 4;
  }

  private drop(): void {
    this.reset();
    this.state = 'dropped';
  }

  private reset(): void {
    this.chunks.length = 0;
    this.rows = 0;
    this.whole.clear();
    this.bytes = 0;
    if (this.state === 'recording') this.state = 'empty';
  }
}
