import type { Tiktoken } from 'js-tiktoken/lite';

let encoder: Promise<Tiktoken> | undefined;

/**
 * Counts tokens with OpenAI's cl100k_base encoding (js-tiktoken). For other models' tokenizers this is an
 * approximation, typically within ±15%.
 */
export async function countTokens(text: string): Promise<number> {
  encoder ??= (async () => {
    const { Tiktoken } = await import('js-tiktoken/lite');
    const { default: ranks } = await import('js-tiktoken/ranks/cl100k_base');
    return new Tiktoken(ranks);
  })();
  return (await encoder).encode(text).length;
}
