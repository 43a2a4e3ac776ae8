import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ChatTemplateError, renderChatTemplate, type ChatMessage } from './chat-template.ts';
import { openGguf } from './gguf.ts';
import { tokenizerFilesFromGguf } from './gguf-tokenizer.ts';
import { findInstalledModel } from './model-catalog.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(here, '../../../..');
const renders = (
  JSON.parse(readFileSync(path.resolve(here, '../../fixtures/gguf/smollm2-tokenizer.json'), 'utf8')) as {
    chatRenders: { messages: ChatMessage[]; addGenerationPrompt: boolean; text: string }[];
  }
).chatRenders;
const modelFile = await findInstalledModel('smollm2-135m-instruct', path.join(REPO, '.opensoc'));

describe('chat templates rendered in TypeScript', () => {
  it.skipIf(!modelFile)("SmolLM2's template from the GGUF renders exactly as transformers' apply_chat_template", async () => {
    const f = await openGguf(modelFile!);
    const template = tokenizerFilesFromGguf(f).chatTemplate!;
    await f.close();
    expect(renders.length).toBeGreaterThanOrEqual(10);
    for (const r of renders) expect(renderChatTemplate(template, r.messages, { addGenerationPrompt: r.addGenerationPrompt })).toBe(r.text);
  });

  it('renders a ChatML template and reports templates that do not parse', () => {
    const chatml = "{% for m in messages %}{{ '<|im_start|>' + m['role'] + '\\n' + m['content'] + '<|im_end|>\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";
    expect(renderChatTemplate(chatml, [{ role: 'user', content: 'hi' }], { addGenerationPrompt: true })).toBe('<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n');
    expect(() => renderChatTemplate('{% for %}', [])).toThrow(ChatTemplateError);
  });
});
