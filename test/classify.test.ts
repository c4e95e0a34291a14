import { describe, expect, it } from 'vitest';
import { classify, classifyPrompt } from '../src/router/classify.js';
import { projectConfig } from './helpers/config.js';

const map = projectConfig().actionComplexity;

describe('classification table (design defaults)', () => {
  it.each([
    ['classification', 'SIMPLE'],
    ['yes_no', 'SIMPLE'],
    ['yes/no', 'SIMPLE'],
    ['extraction', 'SIMPLE'],
    ['list', 'SIMPLE'],
    ['tag', 'SIMPLE'],
    ['edit', 'MODERATE'],
    ['edit_file', 'MODERATE'],
    ['code_generation', 'MODERATE'],
    ['reasoning', 'MODERATE'],
    ['summarization', 'MODERATE'],
    ['spawn', 'COMPLEX'],
    ['orchestration', 'COMPLEX'],
    ['multi-file', 'COMPLEX'],
    ['critical', 'COMPLEX'],
  ])('%s → %s', (action, complexity) => {
    const result = classify({ action, prompt: 'anything' }, map);
    expect(result.complexity).toBe(complexity);
    expect(result.reason).toContain('maps to');
  });

  it('uses a custom map from the config', () => {
    expect(classify({ action: 'triage', prompt: 'x' }, { triage: 'COMPLEX' }).complexity).toBe('COMPLEX');
  });
});

describe('prompt-feature fallback', () => {
  it('says so in the reason for an unknown action', () => {
    const result = classify({ action: 'frobnicate', prompt: 'Is this email spam? Answer yes or no.' }, map);
    expect(result.complexity).toBe('SIMPLE');
    expect(result.reason).toMatch(/unknown action 'frobnicate'; from the prompt/);
  });

  it('says so when the action is missing', () => {
    const result = classify({ prompt: 'Summarise why the deploy failed, in two sentences' }, map);
    expect(result).toEqual({
      complexity: 'MODERATE',
      reason: "no action type; from the prompt: keyword 'Summarise'",
    });
  });

  it('reads an unlabelled code task or math word problem as MODERATE, and says which', () => {
    expect(classify({ prompt: 'Write a function that merges two sorted arrays' }, map)).toEqual({
      complexity: 'MODERATE',
      reason: 'no action type; the prompt reads as a code task → MODERATE',
    });
    const math = classify(
      {
        prompt:
          'A robe takes 2 bolts of blue fiber and half that much white fiber.  How many bolts in total does it take?',
      },
      map,
    );
    expect(math.complexity).toBe('MODERATE');
    expect(math.reason).toMatch(/math word problem/);
    // Short requests with one number or none stay with the prompt features.
    expect(classify({ prompt: 'Is this email spam? Reply yes or no.' }, map).complexity).toBe('SIMPLE');
    expect(classify({ prompt: 'List the 3 largest files in the repo' }, map).complexity).toBe('SIMPLE');
  });

  it('treats several files as multi-file work', () => {
    expect(classifyPrompt('Update src/a.ts, src/b.ts and test/c.test.ts to use the new API').complexity).toBe(
      'COMPLEX',
    );
  });

  it('treats orchestration keywords as COMPLEX', () => {
    expect(classifyPrompt('Spawn three agents and coordinate their results').complexity).toBe('COMPLEX');
  });

  it('treats a code block as MODERATE', () => {
    expect(classifyPrompt('What does this do?\n```\nx = 1\n```').complexity).toBe('MODERATE');
  });

  it('uses length', () => {
    expect(classifyPrompt('a '.repeat(1_500)).complexity).toBe('MODERATE');
    expect(classifyPrompt('a '.repeat(7_000)).complexity).toBe('COMPLEX');
  });

  it('short plain prompts are SIMPLE', () => {
    expect(classifyPrompt('hello there').complexity).toBe('SIMPLE');
  });

  it('reads the context too', () => {
    expect(classify({ prompt: 'see context', context: 'edit a.py b.py c.py' }, map).complexity).toBe(
      'COMPLEX',
    );
  });
});

describe('rows with token counts but no text', () => {
  it('classify by input tokens and say so', () => {
    expect(classify({ prompt: '', inputTokens: 200 }, map)).toEqual({
      complexity: 'SIMPLE',
      reason: 'no action type; no prompt text, from 200 input tokens',
    });
    expect(classify({ prompt: '', inputTokens: 900 }, map).complexity).toBe('MODERATE');
    expect(classify({ prompt: '', inputTokens: 4000 }, map).complexity).toBe('COMPLEX');
  });
});
