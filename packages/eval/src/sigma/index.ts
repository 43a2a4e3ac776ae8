export * from './modifiers.ts';
export * from './condition.ts';
export * from './logsource.ts';
export * from './rule.ts';
export * from './load.ts';
export * from './engine.ts';
export * from './baseline.ts';
