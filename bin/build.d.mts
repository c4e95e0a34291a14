/** Types for bin/build.mjs (plain JavaScript, so the launcher runs before anything is compiled). */
export function buildKey(root?: string): { key: string; files: string[] };
export function compiledEntry(root?: string): Promise<string | undefined>;
