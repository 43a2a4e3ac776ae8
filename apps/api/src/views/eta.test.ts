import { describe, expect, it } from 'vitest';
import { etaText } from './pages.tsx';

describe('a running sweep\'s time left, in words', () => {
  it('says what the estimate rests on, and waits for a kind of unit none of which has finished', () => {
    expect(etaText({ seconds: 42.4, finishedUnits: 1, waitingFor: null })).toBe('about 42 s, from the durations of 1 finished unit');
    expect(etaText({ seconds: 0.2, finishedUnits: 5, waitingFor: null })).toBe('about 1 s, from the durations of 5 finished units');
    expect(etaText({ seconds: 1830, finishedUnits: 3, waitingFor: null })).toBe('about 31 min, from the durations of 3 finished units');
    expect(etaText({ seconds: 7 * 3600, finishedUnits: 3, waitingFor: null })).toBe('about 7.0 h, from the durations of 3 finished units');
    expect(etaText({ seconds: null, finishedUnits: 2, waitingFor: 'lora' })).toBe('unknown until the first lora unit finishes');
    expect(etaText({ seconds: null, finishedUnits: 0, waitingFor: null })).toBe('unknown until the first unit finishes');
  });
});
