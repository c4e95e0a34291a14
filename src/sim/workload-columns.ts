// A workload file's columns matched to fields: `--map COLUMN=field` first, then the aliases.
import { ConfigError } from '../config/config-error.js';
import { ALIASES, WORKLOAD_FIELDS, normaliseColumn, type WorkloadField } from './workload-fields.js';

/** Matches header columns to fields: explicit `--map` first, then aliases. Unused columns are ignored. */
export function resolveColumns(
  header: readonly string[],
  map: Readonly<Record<string, WorkloadField>> = {},
  file: string,
): Map<WorkloadField, number> {
  const columns = new Map<WorkloadField, number>();
  for (const [column, field] of Object.entries(map)) {
    const index = header.indexOf(column);
    if (index < 0)
      throw new ConfigError(
        `${file}:1: --map names column '${column}', but the header has: ${header.join(', ')}.`,
        file,
        1,
      );
    columns.set(field, index);
  }
  header.forEach((name, index) => {
    const normal = normaliseColumn(name);
    for (const field of WORKLOAD_FIELDS)
      if (!columns.has(field) && ALIASES[field].includes(normal) && ![...columns.values()].includes(index))
        columns.set(field, index);
  });
  if (!columns.has('input_tokens') && !columns.has('prompt'))
    throw new ConfigError(
      `${file}:1: no column gives input tokens or a prompt (header: ${header.join(', ')}); expected one of input_tokens, prompt_tokens, ContextTokens, prompt — or map one with --map COLUMN=input_tokens.`,
      file,
      1,
    );
  return columns;
}

/** Parses `--map COLUMN=field` options. */
export function parseColumnMap(entries: readonly string[]): Record<string, WorkloadField> {
  const map: Record<string, WorkloadField> = {};
  for (const entry of entries) {
    const at = entry.lastIndexOf('=');
    const column = entry.slice(0, at);
    const field = entry.slice(at + 1) as WorkloadField;
    if (at <= 0 || !(WORKLOAD_FIELDS as readonly string[]).includes(field))
      throw new ConfigError(
        `--map ${entry}: expected COLUMN=FIELD with FIELD one of ${WORKLOAD_FIELDS.join(', ')}.`,
      );
    map[column] = field;
  }
  return map;
}
