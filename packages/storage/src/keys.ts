/** Why a key was refused; keys come from run ids and dataset names, so they are checked, never trusted. */
export class InvalidKeyError extends Error {}

const CONTROL = /[\u0000-\u001f\u007f]/;

export function validateKey(key: string): string {
  const fail = (why: string) => { throw new InvalidKeyError(`invalid object key ${JSON.stringify(key)}: ${why}`); };
  if (typeof key !== 'string' || key.length === 0) fail('empty');
  if (Buffer.byteLength(key) > 1024) fail('longer than 1024 bytes');
  if (CONTROL.test(key)) fail('contains control characters');
  if (key.startsWith('/')) fail('absolute path');
  if (key.includes('\\')) fail('contains a backslash');
  for (const segment of key.split('/')) {
    if (segment === '..' || segment === '.') fail(`contains a "${segment}" segment`);
    if (segment === '') fail('contains an empty segment');
  }
  return key;
}

/** Joins key segments, validating the result. */
export function joinKey(...segments: string[]): string {
  return validateKey(segments.join('/'));
}

/**
 * The marker object (or file, in a local cache) written last into a directory-like prefix: its
 * presence means every other object under the prefix is complete. Readers check for it first.
 */
export const COMPLETE_MARKER = '.complete';
export const completeMarkerKey = (prefix: string) => joinKey(prefix, COMPLETE_MARKER);

/** A training checkpoint of a unit, by optimizer step (zero-padded so keys sort by step). */
export const checkpointKey = (prefix: string, step: number) => joinKey(prefix, 'checkpoints', `step-${String(step).padStart(7, '0')}.bin`);
/** The loss curve up to a checkpoint, stored beside it so a resumed run reports its whole curve. */
export const checkpointLossKey = (prefix: string, step: number) => `${checkpointKey(prefix, step)}.loss.json`;
