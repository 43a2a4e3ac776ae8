export * from './platform.ts';
export * from './errors.ts';
export * from './datasets.ts';
export * from './splits.ts';
export * from './results.ts';
export * from './sweeps.ts';
export * from './spec-file.ts';
export * from './sweep-plan.ts';
