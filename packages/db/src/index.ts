export * from './client.ts';
export * as schema from './schema.ts';
export * from './schema.ts';
export * from './repo.ts';
export { sql } from 'drizzle-orm';
