import { describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/load-config.js';
import { lifecycleWarnings } from '../src/cost/model-lifecycle.js';
import { PROJECT_CONFIG_TEXT, projectConfig } from './helpers/config.js';

describe('models past or near their end of life', () => {
  const old = parseConfig(
    PROJECT_CONFIG_TEXT.replaceAll('claude-sonnet-4-6', 'claude-sonnet-4-5'),
    'old.yaml',
  );
  it('warns 90 days ahead and after the date, not before', () => {
    expect(lifecycleWarnings(old.models, '2026-08-01')).toEqual([]);
    const near = lifecycleWarnings(old.models, '2026-11-25');
    expect(near).toHaveLength(1);
    expect(near[0]).toMatchObject({ model: 'claude-sonnet-4-5', endOfLife: '2026-11-30', status: 'near' });
    expect(near[0]!.message).toMatch(/in 5 days/);
    expect(lifecycleWarnings(old.models, '2026-12-01')[0]!.status).toBe('retired');
  });
  it('the shipped config has moved off claude-sonnet-4-5', () => {
    expect(lifecycleWarnings(projectConfig().models, '2026-11-25')).toEqual([]);
    expect(projectConfig().models.find((m) => m.name === 'claude-sonnet-4-6')?.price.inputPerMtok).toBe(3);
  });
});
