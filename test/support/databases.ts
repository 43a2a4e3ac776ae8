import pg from 'pg';
import { testConnections } from './services.ts';

/** Creates an empty database on the test PostgreSQL server and returns its URL. */
export async function freshDatabase(prefix: string): Promise<string> {
  const admin = testConnections().databaseUrl.replace(/\/opensoc$/, '/postgres');
  const name = `${prefix}_${Date.now()}_${Math.floor(Math.random() * 1e6)}`.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  return admin.replace(/\/postgres$/, `/${name}`);
}
