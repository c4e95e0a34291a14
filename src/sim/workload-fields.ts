/** Fields a workload row can give. */
export const WORKLOAD_FIELDS = [
  'timestamp',
  'action',
  'prompt',
  'input_tokens',
  'output_tokens',
  'expects',
  'quality_critical',
  'required_fields',
  'cached_tokens',
  'cache_write_tokens',
  'hash_ids',
  'model',
  'answer',
] as const;
export type WorkloadField = (typeof WORKLOAD_FIELDS)[number];

/** Column names recognised without `--map` (compared lower-case, ignoring `_`, `-` and spaces). */
export const ALIASES: Record<WorkloadField, string[]> = {
  timestamp: ['timestamp', 'time', 'ts', 'createdat', 'arrival', 'arrivaltime', 'date'],
  action: ['action', 'actiontype', 'type', 'task', 'tasktype'],
  prompt: ['prompt', 'question', 'input', 'text', 'query'],
  input_tokens: ['inputtokens', 'prompttokens', 'contexttokens', 'tokensin', 'intokens', 'inputlength'],
  output_tokens: [
    'outputtokens',
    'completiontokens',
    'generatedtokens',
    'tokensout',
    'outtokens',
    'outputlength',
  ],
  expects: ['expects', 'expectedformat', 'format', 'outputformat'],
  quality_critical: ['qualitycritical', 'critical'],
  required_fields: ['requiredfields', 'fields'],
  cached_tokens: ['cachedtokens', 'cachereadinputtokens', 'cachedinputtokens', 'cachereadtokens'],
  cache_write_tokens: ['cachewritetokens', 'cachecreationinputtokens', 'cachewriteinputtokens'],
  hash_ids: ['hashids', 'blockhashes', 'prefixblocks'],
  // Kept beside the request, not replayed: the model that answered and its answer (for `shadow`).
  model: ['model', 'modelname'],
  answer: ['answer', 'response', 'completion', 'output', 'outputtext'],
};

export function normaliseColumn(name: string): string {
  return name.toLowerCase().replace(/[\s_-]+/g, '');
}
