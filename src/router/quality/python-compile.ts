import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { findPython } from './find-python.js';
import { createInterface } from 'node:readline';

/**
 * Python's own compiler, the judge of whether an answer is Python: tree-sitter's parse tolerates errors (a
 * body dedented to column 0, a Python 2 `print` statement), `compile()` does not. One `python3` process is
 * started on first use and kept; each check is one JSON line each way (~0.1 ms). Without `python3` the
 * checks fall back to tree-sitter and say so.
 */
const SCRIPT = String.raw`
import sys, json, warnings
warnings.simplefilter("ignore")
for line in sys.stdin:
    request = json.loads(line)
    try:
        compile(request["code"], "<answer>", "exec", dont_inherit=True)
        error = None
    except SyntaxError as e:
        error = "%s at line %s: %s" % (type(e).__name__, e.lineno, e.msg)
    except (ValueError, OverflowError, MemoryError, RecursionError) as e:
        error = "%s: %s" % (type(e).__name__, e)
    sys.stdout.write(json.dumps({"id": request["id"], "error": error}) + "\n")
    sys.stdout.flush()
`;

/** `error` is undefined when the code compiles; `unavailable` when no python3 could judge it. */
export interface CompileVerdict {
  error?: string;
  unavailable?: string;
}

let child: ChildProcessWithoutNullStreams | undefined;
let unavailable: string | undefined;
let nextId = 0;
const pending = new Map<number, (verdict: CompileVerdict) => void>();

/** The interpreter used (see `findPython`). */
export function pythonCommand(): string {
  return findPython();
}

function start(): ChildProcessWithoutNullStreams | undefined {
  if (child || unavailable) return child;
  const started = spawn(pythonCommand(), ['-I', '-u', '-c', SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'] });
  started.on('error', (error: NodeJS.ErrnoException) => {
    unavailable =
      error.code === 'ENOENT'
        ? `${pythonCommand()} not found; Python syntax judged by tree-sitter only`
        : `${pythonCommand()} failed to start (${error.message}); Python syntax judged by tree-sitter only`;
    finishAll({ unavailable });
  });
  started.on('exit', () => {
    if (child === started) child = undefined;
    finishAll({ unavailable: unavailable ?? 'the Python compiler process stopped' });
  });
  started.stderr.resume();
  createInterface({ input: started.stdout }).on('line', (line) => {
    let reply: { id: number; error: string | null };
    try {
      reply = JSON.parse(line) as { id: number; error: string | null };
    } catch {
      return;
    }
    const resolve = pending.get(reply.id);
    if (!resolve) return;
    pending.delete(reply.id);
    resolve(reply.error === null ? {} : { error: reply.error });
    idle();
  });
  child = started;
  idle();
  return child;
}

function finishAll(verdict: CompileVerdict): void {
  for (const resolve of pending.values()) resolve(verdict);
  pending.clear();
}

/** Keeps the process from holding Node open when nothing is waiting on it. */
function idle(): void {
  if (!child) return;
  const streams = [child.stdin, child.stdout, child.stderr] as unknown as { ref(): void; unref(): void }[];
  if (pending.size === 0) {
    child.unref();
    for (const stream of streams) stream.unref();
  } else {
    child.ref();
    for (const stream of streams) stream.ref();
  }
}

/** Compiles Python source with the real compiler. */
export function compilePython(code: string): Promise<CompileVerdict> {
  const process = start();
  if (!process) return Promise.resolve({ unavailable: unavailable ?? 'python3 unavailable' });
  return new Promise((resolve) => {
    const id = nextId++;
    pending.set(id, resolve);
    idle();
    process.stdin.write(`${JSON.stringify({ id, code })}\n`);
  });
}

/** Stops the compiler process (tests, and processes that want to exit promptly). */
export function stopPythonCompiler(): void {
  child?.kill();
  child = undefined;
}
