import { describe, expect, it } from 'vitest';
import { InvalidKeyError, validateKey } from './keys.ts';

describe('validateKey', () => {
  it('accepts normal keys', () => {
    expect(validateKey('runs/abc/adapter/adapter_model.safetensors')).toBe('runs/abc/adapter/adapter_model.safetensors');
  });
  it.each(['', '/etc/passwd', 'a/../b', '../x', 'a//b', 'a/./b', 'a\\b', 'a\u0000b', 'line\nbreak', 'x'.repeat(1025)])('rejects %j', (key) => {
    expect(() => validateKey(key)).toThrow(InvalidKeyError);
  });
});
