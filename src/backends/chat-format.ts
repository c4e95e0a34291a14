import type { ChatMessage, ToolCall, ToolDefinition } from '../contract/request.js';
import type { GenerateCall } from './backend.js';
import { formatInstruction } from './prompt-format.js';

/**
 * The conversation a backend sends: the chat client's own messages when the request came through `serve`,
 * else the format instruction as the system message and the prompt as the user's.
 */
export function conversation(call: GenerateCall): readonly ChatMessage[] {
  if (call.request.messages && call.purpose === 'answer') return call.request.messages;
  return [
    { role: 'system', content: formatInstruction(call.expects, call.request.requiredFields) },
    { role: 'user', content: call.prompt },
  ];
}

/** Tools and sampling settings only go with the answer, never with a self-critique. */
const forAnswer = (call: GenerateCall): boolean => call.purpose === 'answer';

// OpenAI chat completions (and Ollama's /api/chat, which shares most of it).

export function openAIMessages(messages: readonly ChatMessage[]): Record<string, unknown>[] {
  return messages.map((m) => {
    if (m.role === 'tool') return { role: 'tool', content: m.content, tool_call_id: m.toolCallId ?? '' };
    if (m.role === 'assistant' && m.toolCalls?.length)
      return {
        role: 'assistant',
        content: m.content || null,
        tool_calls: m.toolCalls.map((t) => ({
          id: t.id,
          type: 'function',
          function: { name: t.name, arguments: t.arguments },
        })),
      };
    return { role: m.role, content: m.content };
  });
}

export function openAITools(tools: readonly ToolDefinition[]): Record<string, unknown>[] {
  return tools.map((t) => ({
    type: 'function',
    function: {
      name: t.name,
      ...(t.description === undefined ? {} : { description: t.description }),
      parameters: t.parameters ?? { type: 'object', properties: {} },
    },
  }));
}

/** What an OpenAI-style request carries beyond model, messages and max tokens. */
export function openAIExtras(call: GenerateCall): Record<string, unknown> {
  if (!forAnswer(call)) return {};
  const r = call.request;
  const choice = r.toolChoice;
  return {
    ...(r.tools?.length ? { tools: openAITools(r.tools) } : {}),
    ...(choice === undefined
      ? {}
      : { tool_choice: typeof choice === 'string' ? choice : { type: 'function', function: choice } }),
    ...(r.temperature === undefined ? {} : { temperature: r.temperature }),
    ...(r.stop?.length ? { stop: [...r.stop] } : {}),
  };
}

/** Tool calls assembled from an OpenAI stream's deltas (by index) or a whole message's list. */
export class ToolCallCollector {
  private readonly calls: { id: string; name: string; arguments: string }[] = [];

  add(delta: { index?: number; id?: string; function?: { name?: string; arguments?: string } }): void {
    const index = delta.index ?? this.calls.length;
    const call = (this.calls[index] ??= { id: '', name: '', arguments: '' });
    if (delta.id) call.id = delta.id;
    if (delta.function?.name) call.name += delta.function.name;
    if (delta.function?.arguments) call.arguments += delta.function.arguments;
  }

  result(): ToolCall[] | undefined {
    const calls = this.calls.filter(Boolean);
    return calls.length ? calls.map((c, i) => ({ ...c, id: c.id || `call_${i}` })) : undefined;
  }
}

// Anthropic Messages.

type AnthropicBlock =
  | { type: 'text'; text: string }
  | { type: 'tool_use'; id: string; name: string; input: unknown }
  | { type: 'tool_result'; tool_use_id: string; content: string };

/** System text and user/assistant turns, tool calls as tool_use blocks and their results as tool_result. */
export function anthropicConversation(messages: readonly ChatMessage[]): {
  system: string;
  messages: { role: 'user' | 'assistant'; content: string | AnthropicBlock[] }[];
} {
  const system = messages
    .filter((m) => m.role === 'system')
    .map((m) => m.content)
    .join('\n\n');
  const turns: { role: 'user' | 'assistant'; content: string | AnthropicBlock[] }[] = [];
  for (const m of messages) {
    if (m.role === 'system') continue;
    if (m.role === 'tool') {
      const block: AnthropicBlock = {
        type: 'tool_result',
        tool_use_id: m.toolCallId ?? '',
        content: m.content,
      };
      const last = turns.at(-1);
      // Results of several calls go back in one user turn, as the API expects.
      if (last?.role === 'user' && Array.isArray(last.content)) last.content.push(block);
      else turns.push({ role: 'user', content: [block] });
      continue;
    }
    if (m.role === 'assistant' && m.toolCalls?.length) {
      const blocks: AnthropicBlock[] = m.content ? [{ type: 'text', text: m.content }] : [];
      for (const t of m.toolCalls)
        blocks.push({ type: 'tool_use', id: t.id, name: t.name, input: parseArguments(t.arguments) });
      turns.push({ role: 'assistant', content: blocks });
      continue;
    }
    turns.push({ role: m.role, content: m.content });
  }
  return { system, messages: turns };
}

export function anthropicExtras(call: GenerateCall): Record<string, unknown> {
  if (!forAnswer(call)) return {};
  const r = call.request;
  const choice = r.toolChoice;
  return {
    ...(r.tools?.length
      ? {
          tools: r.tools.map((t) => ({
            name: t.name,
            ...(t.description === undefined ? {} : { description: t.description }),
            input_schema: t.parameters ?? { type: 'object', properties: {} },
          })),
        }
      : {}),
    ...(choice === undefined || choice === 'none'
      ? {}
      : {
          tool_choice:
            typeof choice === 'string'
              ? { type: choice === 'required' ? 'any' : 'auto' }
              : { type: 'tool', name: choice.name },
        }),
    ...(r.temperature === undefined ? {} : { temperature: r.temperature }),
    ...(r.stop?.length ? { stop_sequences: [...r.stop] } : {}),
  };
}

/** A tool call's arguments as an object (Anthropic and Ollama want one); a text that is not JSON as is. */
export function parseArguments(text: string): unknown {
  try {
    return JSON.parse(text || '{}');
  } catch {
    return text;
  }
}

// Ollama /api/chat.

export function ollamaMessages(messages: readonly ChatMessage[]): Record<string, unknown>[] {
  return messages.map((m) =>
    m.role === 'assistant' && m.toolCalls?.length
      ? {
          role: 'assistant',
          content: m.content,
          tool_calls: m.toolCalls.map((t) => ({
            function: { name: t.name, arguments: parseArguments(t.arguments) },
          })),
        }
      : { role: m.role, content: m.content },
  );
}

export function ollamaExtras(call: GenerateCall): {
  tools?: Record<string, unknown>[];
  options: Record<string, unknown>;
} {
  const r = call.request;
  const answer = forAnswer(call);
  return {
    ...(answer && r.tools?.length && r.toolChoice !== 'none' ? { tools: openAITools(r.tools) } : {}),
    options: {
      num_predict: call.maxTokens,
      ...(answer && r.temperature !== undefined ? { temperature: r.temperature } : {}),
      ...(answer && r.stop?.length ? { stop: [...r.stop] } : {}),
    },
  };
}
