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
