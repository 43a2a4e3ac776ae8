import { describe, expect, it } from 'vitest';
import { checkpointKey, checkpointLossKey, COMPLETE_MARKER, completeMarkerKey, InvalidKeyError, validateKey } from './keys.ts';

describe('validateKey', () => {
  it('accepts normal keys', () => {
    expect(validateKey('runs/abc/adapter/adapter_model.safetensors')).toBe('runs/abc/adapter/adapter_model.safetensors');
  });
  it.each(['', '/etc/passwd', 'a/../b', '../x', 'a//b', 'a/./b', 'a\\b', 'a\u0000b', 'line\nbreak', 'x'.repeat(1025)])('rejects %j', (key) => {
    expect(() => validateKey(key)).toThrow(InvalidKeyError);
  });
});

describe('artifact key formats', () => {
  it('names checkpoints by zero-padded step, their loss curves beside them, and completion markers', () => {
    expect(checkpointKey('runs/r1/f0', 42)).toBe('runs/r1/f0/checkpoints/step-0000042.bin');
    expect(checkpointLossKey('runs/r1/f0', 42)).toBe('runs/r1/f0/checkpoints/step-0000042.bin.loss.json');
    expect(completeMarkerKey('runs/r1/f0/adapter')).toBe(`runs/r1/f0/adapter/${COMPLETE_MARKER}`);
    expect(() => checkpointKey('runs/../x', 1)).toThrow(InvalidKeyError);
  });
});
