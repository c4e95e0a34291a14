// The enumerations and number shapes every part of the config schema reads.
import { z } from 'zod';

/** Providers a model can be served by. */
export const PROVIDERS = ['ollama', 'openai-compatible', 'anthropic', 'openai', 'llamacpp'] as const;
export type Provider = (typeof PROVIDERS)[number];

export const DEFECTS = [
  'malformed',
  'missing_fields',
  'refusal',
  'truncation',
  'empty',
  'repetition',
  'task_failure',
] as const;
/**
 * Defects the simulated backend can write into an answer. `task_failure` is an answer the task-aware check
 * fails (a math answer with no final answer stated); it applies only to requests that get such a check.
 */
export type Defect = (typeof DEFECTS)[number];

export const nonNegative = z.number().nonnegative();
export const probability = z.number().min(0).max(1);
export const envRef = z
  .string()
  .regex(
    /^\$\{[A-Za-z_][A-Za-z0-9_]*\}$/,
    'an ${ENV_VAR} reference (API keys are never written into the config)',
  );
