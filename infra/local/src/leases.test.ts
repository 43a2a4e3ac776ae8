import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireLock, LockedError, otherClients, registerClient, releaseClient } from './leases.ts';

const dir = () => mkdtempSync(path.join(tmpdir(), 'opensoc-leases-'));

describe('acquireLock', () => {
  it('gives a second holder a clear error naming the first, and is free again once released', async () => {
    const file = path.join(dir(), 'store.lock');
    const other = spawn('sleep', ['30']);
    try {
      writeFileSync(file, `${other.pid}\n`);
      await expect(acquireLock(file, 'the embedded database X')).rejects.toThrow(new LockedError(`the embedded database X is in use by process ${other.pid} (lock ${file}); wait for it to finish or stop it`));
    } finally {
      other.kill();
    }
    await new Promise((r) => other.once('exit', r));
    const release = await acquireLock(file, 'the embedded database X'); // a dead holder's lock is taken over
    await expect(acquireLock(file, 'the embedded database X')).rejects.toThrow(/already open in this process/);
    release();
    (await acquireLock(file, 'the embedded database X'))();
  });
});

describe('clients', () => {
  it('counts live attached processes other than this one and forgets dead ones', async () => {
    const d = dir();
    registerClient(d);
    expect(otherClients(d)).toEqual([]);
    const other = spawn('sleep', ['30']);
    registerClient(d, other.pid);
    expect(otherClients(d)).toEqual([other.pid]);
    other.kill();
    await new Promise((r) => other.once('exit', r));
    expect(otherClients(d)).toEqual([]);
    releaseClient(d);
  });
});
