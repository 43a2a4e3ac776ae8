export * from './taxonomy.ts';
export * from './record.ts';
export * from './split.ts';
export * from './sweep.ts';
export * from './temporal.ts';
export * from './results.ts';
export * from './units.ts';
export * from './report.ts';
