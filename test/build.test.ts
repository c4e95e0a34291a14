import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { buildKey, compiledEntry } from '../bin/build.mjs';

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

/** A tiny project: src/cli/main.ts importing a sibling module, as the real one does. */
function project(): string {
  const root = mkdtempSync(join(tmpdir(), 'hybridllm-build-'));
  roots.push(root);
  mkdirSync(join(root, 'src', 'cli'), { recursive: true });
  writeFileSync(join(root, 'src', 'answer.ts'), 'export const answer: number = 42;\n');
  writeFileSync(
    join(root, 'src', 'cli', 'main.ts'),
    "import { answer } from '../answer.js';\nexport const main = async (): Promise<number> => answer;\n",
  );
  return root;
}

describe('bin/build.mjs (the compiled copy bin/hybridllm runs)', () => {
  it('names a build by the sources: editing or touching a file gives a new key, nothing changed the same', () => {
    const root = project();
    const first = buildKey(root).key;
    expect(buildKey(root).key).toBe(first);
    writeFileSync(join(root, 'src', 'answer.ts'), 'export const answer: number = 430;\n');
    const edited = buildKey(root).key;
    expect(edited).not.toBe(first);
    utimesSync(join(root, 'src', 'answer.ts'), new Date(), new Date(Date.now() + 5_000));
    expect(buildKey(root).key).not.toBe(edited);
    writeFileSync(join(root, 'src', 'added.ts'), 'export {};\n');
    expect(buildKey(root).key).not.toBe(edited);
  });

  it('compiles the tree to ES modules that run, and rebuilds after a change', async () => {
    const root = project();
    const entry = await compiledEntry(root);
    expect(entry).toBeDefined();
    const path = fileURLToPath(entry!);
    expect(path).toContain(join(root, 'node_modules', '.cache', 'hybridllm', buildKey(root).key));
    expect(JSON.parse(readFileSync(join(path, '..', '..', 'package.json'), 'utf8')).type).toBe('module');
    expect(await ((await import(entry!)) as { main: () => Promise<number> }).main()).toBe(42);
    writeFileSync(join(root, 'src', 'answer.ts'), 'export const answer: number = 7;\n');
    const rebuilt = await compiledEntry(root);
    expect(rebuilt).not.toBe(entry);
    expect(await ((await import(rebuilt!)) as { main: () => Promise<number> }).main()).toBe(7);
  });

  it('runs the project itself from the compiled copy', async () => {
    const entry = await compiledEntry();
    expect(entry).toContain('/node_modules/.cache/hybridllm/');
    const { toolVersion } = (await import(new URL('../version.js', entry!).href)) as {
      toolVersion: () => string;
    };
    expect(toolVersion()).toBe(JSON.parse(readFileSync('package.json', 'utf8')).version);
  });
});
