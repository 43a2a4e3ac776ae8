export * from './services.ts';
export { ensureBinary, postgresBinDir, PINNED } from './binaries.ts';
export { portInUse } from './process.ts';
