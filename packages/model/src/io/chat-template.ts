/**
 * A model's chat template (Jinja, from GGUF `tokenizer.chat_template` or tokenizer_config.json)
 * rendered in TypeScript with @huggingface/jinja, the same way transformers' apply_chat_template
 * does (trim_blocks / lstrip_blocks are that library's defaults too).
 */
import { Template } from '@huggingface/jinja';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export class ChatTemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChatTemplateError';
  }
}

const compiled = new Map<string, Template>();

export function renderChatTemplate(
  template: string,
  messages: readonly ChatMessage[],
  opts: { addGenerationPrompt?: boolean; bosToken?: string; eosToken?: string } = {},
): string {
  let t = compiled.get(template);
  if (!t) {
    try {
      t = new Template(template);
    } catch (e) {
      throw new ChatTemplateError(`chat template does not parse: ${(e as Error).message}`);
    }
    compiled.set(template, t);
  }
  try {
    return t.render({
      messages: messages.map((m) => ({ ...m })),
      add_generation_prompt: opts.addGenerationPrompt ?? false,
      bos_token: opts.bosToken ?? '',
      eos_token: opts.eosToken ?? '',
    });
  } catch (e) {
    throw new ChatTemplateError(`chat template failed to render: ${(e as Error).message}`);
  }
}
