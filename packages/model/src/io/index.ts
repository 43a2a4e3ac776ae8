export * from './safetensors.ts';
export * from './config.ts';
export * from './checkpoint.ts';
export * from './tokenizer.ts';
export * from './peft.ts';
