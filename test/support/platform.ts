import { connectPostgres, type DbHandle } from '@opensoc/db';
import { ArtifactStore } from '@opensoc/storage';
import { Client, Connection } from '@temporalio/client';
import { freshDatabase } from './databases.ts';
import path from 'node:path';
import { repoRoot, testConnections } from './services.ts';

/** Environment for a separate training worker process pointed at this platform. */
export function trainingWorkerEnv(p: TestPlatform, extra: Record<string, string> = {}): Record<string, string> {
  const c = testConnections();
  return {
    TEMPORAL_ADDRESS: p.temporalAddress, TEMPORAL_NAMESPACE: p.namespace, S3_ENDPOINT: c.s3Endpoint, S3_BUCKET: p.bucket, AWS_ACCESS_KEY_ID: c.s3AccessKey, AWS_SECRET_ACCESS_KEY: c.s3SecretKey,
    AWS_REGION: 'us-east-1', OPENSOC_DATA_DIR: path.join(repoRoot, '.opensoc', 'test', 'worker'), ...extra,
  };
}

export interface TestPlatform { db: DbHandle; store: ArtifactStore; client: Client; temporalAddress: string; namespace: string; databaseUrl: string; bucket: string; close(): Promise<void> }

/** A fresh database and bucket on the real test services, and a Temporal client. */
export async function testPlatform(prefix: string): Promise<TestPlatform> {
  const c = testConnections();
  const databaseUrl = await freshDatabase(prefix);
  const db = await connectPostgres(databaseUrl);
  const bucket = `${prefix}-${Date.now()}`.toLowerCase().replace(/[^a-z0-9-]/g, '-');
  const store = new ArtifactStore({ endpoint: c.s3Endpoint, region: 'us-east-1', bucket, accessKeyId: c.s3AccessKey, secretAccessKey: c.s3SecretKey });
  await store.ensureBucket();
  const connection = await Connection.connect({ address: c.temporalAddress });
  // A namespace per test platform, so workflows left by another test never reach these workers.
  const namespace = bucket;
  await connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: { seconds: 86_400 as never } });
  for (let i = 0; i < 100; i++) {
    try { await connection.workflowService.describeNamespace({ namespace }); break; } catch { await new Promise((r) => setTimeout(r, 100)); }
  }
  const client = new Client({ connection, namespace });
  return {
    db, store, client, temporalAddress: c.temporalAddress, namespace, databaseUrl, bucket,
    async close() {
      await connection.close();
      store.destroy();
      await db.close();
    },
  };
}
