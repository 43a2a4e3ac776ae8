export * from './services.ts';
export { attachable, detachServices, devDown, devUp, ensureService } from './attach.ts';
export { acquireLock, LockedError } from './leases.ts';
export { ensureBinary, postgresBinDir, PINNED } from './binaries.ts';
export { portInUse } from './process.ts';
