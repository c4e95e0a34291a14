/**
 * Evaluates a plain arithmetic expression: numbers (with `,` thousands separators and a leading `$`),
 * + - * / with x × ÷ as synonyms, parentheses and unary minus. Returns undefined for anything else, so a
 * unit, a variable or a percentage is never guessed at.
 */
export function evaluateArithmetic(expression: string): number | undefined {
  const source = expression
    .replace(/\$/g, '')
    .replace(/(\d),(?=\d{3}(?:\D|$))/g, '$1')
    .replace(/[x×]/g, '*')
    .replace(/÷/g, '/');
  if (!/^[\d.+\-*/()\s]+$/.test(source)) return undefined;
  const tokens = source.match(/\d+(?:\.\d+)?|\.\d+|[+\-*/()]/g);
  if (!tokens) return undefined;
  let position = 0;
  const peek = (): string | undefined => tokens[position];
  const expressionAt = (): number | undefined => {
    let value = termAt();
    while (value !== undefined && (peek() === '+' || peek() === '-')) {
      const operator = tokens[position++];
      const right = termAt();
      if (right === undefined) return undefined;
      value = operator === '+' ? value + right : value - right;
    }
    return value;
  };
  const termAt = (): number | undefined => {
    let value = factorAt();
    while (value !== undefined && (peek() === '*' || peek() === '/')) {
      const operator = tokens[position++];
      const right = factorAt();
      if (right === undefined) return undefined;
      value = operator === '*' ? value * right : value / right;
    }
    return value;
  };
  const factorAt = (): number | undefined => {
    const token = tokens[position++];
    if (token === undefined) return undefined;
    if (token === '-') {
      const value = factorAt();
      return value === undefined ? undefined : -value;
    }
    if (token === '(') {
      const value = expressionAt();
      if (tokens[position++] !== ')') return undefined;
      return value;
    }
    const number = Number(token);
    return Number.isFinite(number) ? number : undefined;
  };
  const value = expressionAt();
  return position === tokens.length && value !== undefined && Number.isFinite(value) ? value : undefined;
}

/** Whether a stated result matches a computed one, allowing the rounding people write (1% or 0.01). */
export function sameNumber(computed: number, stated: number): boolean {
  return Math.abs(computed - stated) <= Math.max(0.01, Math.abs(stated) * 0.01);
}

/** Parses a stated number: `$1,234.50`, `-3`, `12%` (as 12). */
export function parseStatedNumber(text: string): number | undefined {
  const cleaned = text
    .trim()
    .replace(/^\$/, '')
    .replace(/%$/, '')
    .replace(/,(?=\d{3}(?:\D|$))/g, '');
  if (!/^-?\d*\.?\d+$/.test(cleaned)) return undefined;
  return Number(cleaned);
}
