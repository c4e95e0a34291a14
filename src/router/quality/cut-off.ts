/**
 * Whether an answer visibly stops mid-way, whatever finish reason the server gave (recorded answers often
 * have none): an unclosed code fence, an unclosed `<<calculation>>`, a trailing operator or comma, or a
 * number cut inside its digit groups ("…>>130,00"). Returns why, or undefined.
 */
export function cutOffReason(text: string): string | undefined {
  const trimmed = text.trimEnd();
  if (trimmed === '') return undefined;
  const fences = trimmed.match(/^[ \t]*```/gm)?.length ?? 0;
  if (fences % 2 === 1) return 'a code fence is never closed';
  const open = trimmed.lastIndexOf('<<');
  if (open >= 0 && trimmed.indexOf('>>', open) < 0) return 'a <<calculation>> is never closed';
  if (/[=+×÷(,]$|\s[-*/]$/.test(trimmed)) return `it ends on '${trimmed.slice(-1)}'`;
  if (/(?:^|[^\d.,])\d{1,3}(?:,\d{3})*,\d{1,2}$/.test(trimmed)) return 'it ends inside a number';
  return undefined;
}
