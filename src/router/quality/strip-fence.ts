const FENCE = /^\s*```[\w+-]*[ \t]*\r?\n([\s\S]*?)\r?\n```\s*$/;

/** Models often wrap JSON or code in one Markdown fence; the checks look inside it. */
export function stripFence(text: string): string {
  const match = FENCE.exec(text);
  return match ? match[1]! : text;
}
