/**
 * Gateway overhead, measured side by side in one run. Run with `npm run bench:serve`.
 * Against one fake OpenAI-compatible upstream on loopback (`hybridllm mock-server`, answers of 8 tokens with
 * no injected delay), five ways to reach it:
 *   direct                   the client calls the fake itself
 *   serve, pinned, no checks `hybridllm serve`, model pinned, self-critique off, threshold 0: pure overhead
 *   serve, pinned, checks    the same with the default quality checks (self-critique asks the fast tier)
 *   serve --workers 2        the first, as two processes on one port (CPU and RSS: all of them, summed)
 *   Portkey                  `@portkey-ai/gateway` in front of the same fake
 *   bare node:http + undici  bench/bare-proxy.mjs: a server that forwards the body and sends the answer back,
 *                            nothing else; the floor Node and undici set (serve's CPU a request against it)
 * For each: added latency at concurrency 1 (p50 and p99 over the direct call, measured per request with
 * performance.now() from a keep-alive undici pool), the ceiling in requests/s at concurrency 32
 * (autocannon), CPU µs per request of the gateway's processes (/proc/<pid>/stat over the concurrency-32 run)
 * and its peak RSS (VmHWM). Targets: ≥ 5× Portkey's ceiling, ≤ 0.1 ms added p50, ≤ 100 µs CPU a request,
 * ≤ 100 MB RSS.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'undici';

const require = createRequire(import.meta.url);
const autocannon = require('autocannon') as (
  options: Record<string, unknown>,
) => Promise<{ requests: { average: number; total: number }; errors: number; non2xx: number }>;

const ROOT = new URL('..', import.meta.url).pathname;
const BIN = join(ROOT, 'bin/hybridllm');
const PORTKEY = join(ROOT, 'node_modules/@portkey-ai/gateway/build/start-server.js');
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 10);
const dir = mkdtempSync(join(tmpdir(), 'hybridllm-bench-serve-'));
const env = { ...process.env, ANTHROPIC_API_KEY: 'mock', OPENAI_API_KEY: 'mock' };
const children: ChildProcess[] = [];

function start(
  command: string,
  args: string[],
  ready: RegExp,
  extraEnv: NodeJS.ProcessEnv = {},
): Promise<{ child: ChildProcess; match: RegExpExecArray }> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...env, ...extraEnv } });
  children.push(child);
  let out = '';
  return new Promise((resolve, reject) => {
    const onData = (data: Buffer): void => {
      out += data.toString();
      const match = ready.exec(out);
      if (match) resolve({ child, match });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`${command} ${args.join(' ')} exited with ${code}: ${out}`)));
  });
}

/** A port nothing listens on now. */
function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** A process and its children (the workers of `serve --workers`). */
const tree = (pid: number): number[] => [
  pid,
  ...readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((name) => {
      try {
        return new RegExp(`^PPid:\\s+${pid}$`, 'm').test(readFileSync(`/proc/${name}/status`, 'utf8'));
      } catch {
        return false;
      }
    })
    .map(Number),
];
const sum = (values: number[]): number => values.reduce((a, b) => a + b, 0);
/** utime + stime of a process and its children, clock ticks. */
const cpuTicks = (pid: number): number =>
  sum(
    tree(pid).map((p) => {
      const fields = readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1]!.split(' ');
      return Number(fields[11]) + Number(fields[12]);
    }),
  );
/** Peak RSS of a process and its children, summed. */
const peakRssMb = (pid: number): number =>
  sum(
    tree(pid).map(
      (p) => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))![1]) / 1024,
    ),
  );
const TICKS_PER_S = 100;

interface Target {
  name: string;
  url: string;
  headers: Record<string, string>;
  model: string;
  pid?: number;
}

/** Sequential requests, each timed: p50 and p99 in ms. */
async function sequential(target: Target, seconds: number): Promise<{ p50: number; p99: number; n: number }> {
  const url = new URL(target.url);
  const pool = new Pool(url.origin, { connections: 1 });
  const body = JSON.stringify({
    model: target.model,
    messages: [{ role: 'user', content: 'Tag this: invoice overdue' }],
  });
  const headers = { 'content-type': 'application/json', authorization: 'Bearer mock', ...target.headers };
  const times: number[] = [];
  const until = performance.now() + seconds * 1000;
  for (let warm = 0; warm < 200; warm++)
    await (await pool.request({ path: url.pathname, method: 'POST', headers, body })).body.text();
  while (performance.now() < until) {
    const t = performance.now();
    const response = await pool.request({ path: url.pathname, method: 'POST', headers, body });
    await response.body.text();
    if (response.statusCode !== 200) throw new Error(`${target.name}: HTTP ${response.statusCode}`);
    times.push(performance.now() - t);
  }
  await pool.close();
  times.sort((a, b) => a - b);
  return {
    p50: times[Math.floor(times.length * 0.5)]!,
    p99: times[Math.floor(times.length * 0.99)]!,
    n: times.length,
  };
}

async function ceiling(
  target: Target,
  seconds: number,
): Promise<{ rps: number; cpuUs: number | undefined; errors: number }> {
  const before = target.pid ? cpuTicks(target.pid) : 0;
  const result = await autocannon({
    url: target.url,
    method: 'POST',
    connections: 32,
    duration: seconds,
    headers: { 'content-type': 'application/json', authorization: 'Bearer mock', ...target.headers },
    body: JSON.stringify({
      model: target.model,
      messages: [{ role: 'user', content: 'Tag this: invoice overdue' }],
    }),
  });
  const cpuUs = target.pid
    ? ((cpuTicks(target.pid) - before) / TICKS_PER_S / result.requests.total) * 1e6
    : undefined;
  return { rps: result.requests.average, cpuUs, errors: result.errors + result.non2xx };
}

try {
  const mock = await start(
    BIN,
    [
      'mock-server',
      '--port',
      '0',
      '--ttft',
      'gpt-4o=0.01',
      '--tps',
      'gpt-4o=1000000',
      '--output-tokens',
      'gpt-4o=8',
      '--ttft',
      'phi3:mini=0.01',
      '--tps',
      'phi3:mini=1000000',
    ],
    /mock server on (http:\/\/\S+)/,
  );
  const upstream = mock.match[1]!;
  const serveArgs = (checks: boolean, workers = 1): string[] => [
    'serve',
    '--workers',
    String(workers),
    '--port',
    '0',
    '--base-url',
    upstream,
    '--set',
    'serve.access_log=false',
    '--set',
    'serve.max_concurrent_per_client=100000',
    ...(checks ? [] : ['--set', 'router.self_critique=false', '--set', 'router.quality_threshold=0']),
  ];
  const bare = await start(BIN, serveArgs(false), /hybridllm serve on (http:\/\/\S+)/, {
    HYBRIDLLM_LEDGER: join(dir, 'a.db'),
  });
  const checked = await start(BIN, serveArgs(true), /hybridllm serve on (http:\/\/\S+)/, {
    HYBRIDLLM_LEDGER: join(dir, 'b.db'),
  });
  const pair = await start(BIN, serveArgs(false, 2), /hybridllm serve on (http:\/\/\S+)/, {
    HYBRIDLLM_LEDGER: join(dir, 'c.db'),
  });
  const portkeyPort = await freePort();
  const portkey = await start('node', [PORTKEY, `--port=${portkeyPort}`, '--headless'], /running at/);
  const portkeyUrl = `http://127.0.0.1:${portkeyPort}`;
  const bareProxy = await start(
    'node',
    [join(ROOT, 'bench/bare-proxy.mjs'), upstream],
    /bare proxy on (http:\/\/\S+)/,
  );
  const targets: Target[] = [
    { name: 'direct to the fake', url: `${upstream}/v1/chat/completions`, headers: {}, model: 'gpt-4o' },
    {
      name: 'serve, pinned, no checks',
      url: `${bare.match[1]}/v1/chat/completions`,
      headers: {},
      model: 'gpt-4o',
      pid: bare.child.pid!,
    },
    {
      name: 'serve, pinned, checks on',
      url: `${checked.match[1]}/v1/chat/completions`,
      headers: {},
      model: 'gpt-4o',
      pid: checked.child.pid!,
    },
    {
      name: 'serve --workers 2, no checks',
      url: `${pair.match[1]}/v1/chat/completions`,
      headers: {},
      model: 'gpt-4o',
      pid: pair.child.pid!,
    },
    {
      name: 'Portkey gateway',
      url: `${portkeyUrl}/v1/chat/completions`,
      headers: { 'x-portkey-provider': 'openai', 'x-portkey-custom-host': `${upstream}/v1` },
      model: 'gpt-4o',
      pid: portkey.child.pid!,
    },
    {
      name: 'bare node:http + undici proxy',
      url: `${bareProxy.match[1]}/v1/chat/completions`,
      headers: {},
      model: 'gpt-4o',
      pid: bareProxy.child.pid!,
    },
  ];
  const cpu: Record<string, number> = {};
  const addedP50: Record<string, number> = {};
  const rows: string[][] = [];
  let direct: { p50: number; p99: number } | undefined;
  const ceilings: Record<string, number> = {};
  for (const target of targets) {
    const latency = await sequential(target, SECONDS);
    direct ??= latency;
    const load = await ceiling(target, SECONDS);
    ceilings[target.name] = load.rps;
    if (load.cpuUs !== undefined) cpu[target.name] = load.cpuUs;
    addedP50[target.name] = latency.p50 - direct.p50;
    rows.push([
      target.name,
      `${latency.p50.toFixed(3)} / ${latency.p99.toFixed(3)}`,
      target === targets[0]
        ? '–'
        : `${(latency.p50 - direct.p50).toFixed(3)} / ${(latency.p99 - direct.p99).toFixed(3)}`,
      Math.round(load.rps).toLocaleString('en-US'),
      load.cpuUs === undefined ? '–' : Math.round(load.cpuUs).toLocaleString('en-US'),
      target.pid ? peakRssMb(target.pid).toFixed(0) : '–',
      String(load.errors),
    ]);
  }
  const header = [
    'path',
    'c=1 p50 / p99 ms',
    'added p50 / p99 ms',
    'c=32 req/s',
    'CPU µs/req',
    'peak RSS MB',
    'errors',
  ];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  console.log(`\nbench:serve, ${SECONDS} s a measurement, ${new Date().toISOString()}`);
  console.log(header.map((h, i) => h.padEnd(widths[i]!)).join('  '));
  for (const r of rows)
    console.log(r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '));
  const serve = 'serve, pinned, no checks';
  const bareName = 'bare node:http + undici proxy';
  const ceilingRatio = ceilings[serve]! / ceilings['Portkey gateway']!;
  const cpuRatio = cpu[serve]! / cpu[bareName]!;
  const verdict = (met: boolean): string => (met ? 'MET' : 'MISSED');
  console.log(
    `\nserve (pinned, no checks) ÷ bare proxy, CPU a request: ${cpuRatio.toFixed(2)}× (${Math.round(cpu[serve]!)} / ${Math.round(cpu[bareName]!)} µs; target ≤ 1.5×) ${verdict(cpuRatio <= 1.5)}`,
  );
  console.log(
    `serve (pinned, no checks) ÷ Portkey, ceiling: ${ceilingRatio.toFixed(2)}× (with 2 workers ${(ceilings['serve --workers 2, no checks']! / ceilings['Portkey gateway']!).toFixed(2)}×; target ≥ 4×) ${verdict(ceilingRatio >= 4)}`,
  );
  console.log(
    `serve (pinned, no checks) added p50: ${addedP50[serve]!.toFixed(3)} ms (bare proxy ${addedP50[bareName]!.toFixed(3)} ms; target ≤ 0.6 ms) ${verdict(addedP50[serve]! <= 0.6)}`,
  );
} finally {
  for (const child of children) child.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 500));
  rmSync(dir, { recursive: true, force: true });
}
