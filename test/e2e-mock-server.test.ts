import type { ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/load-config.js';
import { doctorPassed, runDoctor } from '../src/doctor/doctor.js';
import { withEndpoint } from '../src/config/endpoint-override.js';
import { startMockServer, type MockServer } from '../src/fakes/mock-server.js';
import { runCli } from './helpers/cli.js';
import { startCliMock as startMock } from './helpers/cli-mock.js';
import { PROJECT_CONFIG, PROJECT_CONFIG_TEXT } from './helpers/config.js';
import { PLANTED_KEY } from './helpers/mock.js';

let child: ChildProcess | undefined;
let server: MockServer | undefined;
afterEach(async () => {
  child?.kill('SIGTERM');
  child = undefined;
  await server?.close();
  server = undefined;
});

/** Starts `hybridllm mock-server` as a user would, in the background, and reads its URL. */
async function startCliMock(args: string[]): Promise<string> {
  const mock = await startMock(args);
  child = mock.child;
  return mock.url;
}

describe('end to end: hybridllm mock-server, then route --backend real through it', () => {
  it('a fault scripted on the LOCAL_FAST model shows as a fallback in the trace', async () => {
    const url = await startCliMock(['--time-scale', '0.05', '--fault', 'phi3:mini=not_found']);
    const { code, stdout } = await runCli(
      [
        'route',
        '--backend',
        'real',
        '--base-url',
        url,
        '--action',
        'classification',
        '--prompt',
        'Is this ticket a bug report?',
        '--expect',
        'json',
        '--fields',
        'label',
      ],
      { env: { ANTHROPIC_API_KEY: 'mock', OPENAI_API_KEY: 'mock' } },
    );
    expect(code).toBe(0);
    expect(stdout).toMatch(
      /Attempt 1: phi3:mini \(LOCAL_FAST\)[\s\S]*Error: ModelNotFoundError: HTTP 404: model 'phi3:mini' not found\n {2}→ NEXT MODEL/,
    );
    expect(stdout).toMatch(/Attempt 2: llama3:8b \(LOCAL_FAST\)[\s\S]*→ PASS/);
    expect(stdout).toMatch(/RESULT: PASS by llama3:8b/);
  });

  it('never shows a planted API key: not in the trace, the JSON result, or the errors', async () => {
    const url = await startCliMock(['--time-scale', '0.05', '--fault', 'claude-sonnet-4-6=auth']);
    const { stdout, stderr } = await runCli(
      [
        'route',
        '--backend',
        'real',
        '--base-url',
        url,
        '--action',
        'orchestration',
        '--prompt',
        'Plan the release',
        '--json',
      ],
      {
        env: { ANTHROPIC_API_KEY: PLANTED_KEY, OPENAI_API_KEY: `${PLANTED_KEY}-openai` },
      },
    );
    const result = JSON.parse(stdout) as { attempts: { model: string; error?: string }[] };
    expect(result.attempts[0]).toMatchObject({ model: 'claude-sonnet-4-6', error: 'AuthError' });
    expect(stdout + stderr).not.toContain(PLANTED_KEY);
    expect(stdout + stderr).not.toMatch(/Bearer sk-/);
  });
});

describe('hybridllm doctor', () => {
  it('against a fake server with one model missing and one API key unset: ✗ lines with fixes, exit 1', async () => {
    server = await startMockServer({
      config: parseConfig(PROJECT_CONFIG_TEXT, PROJECT_CONFIG),
      missing: ['codestral:22b'],
    });
    const { code, stdout } = await runCli(['doctor', '--base-url', server.url, '--min-disk-gb', '0'], {
      env: { ANTHROPIC_API_KEY: PLANTED_KEY, OPENAI_API_KEY: '' },
    });
    expect(code).toBe(1);
    expect(stdout).toMatch(/✓ Ollama +http:\/\/127\.0\.0\.1:\d+ reachable, version 0\.12\.6/);
    expect(stdout).toMatch(/✓ Model phi3:mini +pulled/);
    expect(stdout).toMatch(
      /✗ Model codestral:22b +not pulled \(LOCAL_QUALITY\)\n +fix: ollama pull codestral:22b/,
    );
    expect(stdout).toMatch(/✓ API key claude-sonnet-4-6 +ANTHROPIC_API_KEY is set/);
    expect(stdout).toMatch(/✗ API key gpt-4o +OPENAI_API_KEY is not set\n +fix: export OPENAI_API_KEY=…/);
    expect(stdout).not.toContain(PLANTED_KEY);
  });

  it('passes (exit 0) when what the enabled models need is there; --ping makes a 1-token call; --json', async () => {
    const config = parseConfig(PROJECT_CONFIG_TEXT, PROJECT_CONFIG);
    server = await startMockServer({ config, timeScale: 0.02 });
    // this machine may lack RAM for mixtral: check the small models only
    const small = {
      ...withEndpoint(config, server.url),
      models: withEndpoint(config, server.url).models.map((m) => ({
        ...m,
        enabled: ['phi3:mini', 'llama3:8b', 'claude-sonnet-4-6'].includes(m.name),
      })),
    };
    const checks = await runDoctor({
      config: small,
      configFile: 'llm_config.yaml',
      env: { ANTHROPIC_API_KEY: 'k' },
      ping: true,
      minDiskGb: 0,
    });
    expect(doctorPassed(checks)).toBe(true);
    expect(checks.find((c) => c.name === 'Ping claude-sonnet-4-6')).toMatchObject({ status: 'ok' });
    const { stdout } = await runCli(['doctor', '--base-url', server.url, '--json'], {
      env: { ANTHROPIC_API_KEY: '', OPENAI_API_KEY: '' },
    });
    const report = JSON.parse(stdout) as { passed: boolean; checks: { name: string; status: string }[] };
    expect(report.passed).toBe(false);
    expect(report.checks.map((c) => c.name)).toContain('Disk');
  });
});
