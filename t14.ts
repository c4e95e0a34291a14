import { parseConfig } from './src/config/load-config.ts';
import { readFileSync } from 'node:fs';
import { startMockServer } from './src/fakes/mock-server.ts';
import { createRealBackends } from './src/backends/real-backends.ts';
import { createRealClock } from './src/sim/clock.ts';
const base = parseConfig(readFileSync('llm_config.yaml', 'utf8'), 'llm_config.yaml');
const server = await startMockServer({ config: base, timeScale: 0.05 });
const config = {
  ...base,
  models: base.models.map((m) => ({
    ...m,
    endpoint: {
      ...m.endpoint,
      host: server.url,
      baseUrl: m.provider === 'ollama' ? undefined : `${server.url}/v1`.replace('/v1/v1', '/v1'),
    },
  })),
};
const env = { ANTHROPIC_API_KEY: 'sk-ant-test-123456', OPENAI_API_KEY: 'sk-test-abcdef' };
for (const stream of [true, false]) {
  const backends = createRealBackends({
    clock: createRealClock(),
    configFile: 'llm_config.yaml',
    env,
    stream,
  });
  for (const name of ['phi3:mini', 'claude-sonnet-4-5', 'gpt-4o']) {
    const model = config.models.find((m) => m.name === name)!;
    const anthropicModel =
      model.provider === 'anthropic'
        ? { ...model, endpoint: { ...model.endpoint, baseUrl: server.url } }
        : model;
    const r = await backends[model.provider].doGenerate({
      model: anthropicModel,
      request: { prompt: 'x', requiredFields: ['label'] },
      requestId: 'r',
      complexity: 'SIMPLE',
      expects: 'json',
      purpose: 'answer',
      prompt: 'Classify this',
      maxTokens: 100,
      step: 0,
    });
    console.log(stream, name, JSON.stringify({ ...r, text: r.text.slice(0, 40) }));
  }
}
await server.close();
