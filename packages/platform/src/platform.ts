import path from 'node:path';
import { Connection, Client } from '@temporalio/client';
import { loadConfig, type OpenSocConfig } from '@opensoc/config';
import { connectPglite, connectPostgres, type DbHandle } from '@opensoc/db';
import { connectionInfo, defaultServicesConfig, serviceStatus, startService, stopService, type ServiceName } from '@opensoc/local-services';
import { ArtifactStore } from '@opensoc/storage';

/**
 * The connected platform: database, artifact store and Temporal. Unset variables
 * mean embedded defaults (a Temporal dev server and a SeaweedFS started on demand
 * under dataDir, PGlite in-process); set ones mean the real services, same code paths.
 */
export interface Platform {
  config: OpenSocConfig;
  /** Absent when opened with { database: false } (training workers). */
  db: DbHandle | undefined;
  store: ArtifactStore;
  temporalAddress: string;
  namespace: string;
  connectTemporal(): Promise<Client>;
  close(): Promise<void>;
}

export async function openPlatform(config: OpenSocConfig = loadConfig(), opts: { database?: boolean; keepServices?: boolean } = {}): Promise<Platform> {
  const services = defaultServicesConfig(path.resolve(config.dataDir));
  const local = connectionInfo(services);

  // Embedded services this call started are stopped again by close(), so a command leaves no
  // daemon behind; ones already running (`opensoc dev up`) are left alone.
  const started: ServiceName[] = [];
  const ensure = async (name: ServiceName) => {
    if (!(await serviceStatus(services, name)).running) started.push(name);
    await startService(services, name);
  };
  let temporalAddress: string;
  if (config.temporal.mode === 'external') {
    temporalAddress = config.temporal.address;
  } else {
    await ensure('temporal');
    temporalAddress = local.temporalAddress;
  }

  let store: ArtifactStore;
  if (config.s3.mode === 'external') {
    store = new ArtifactStore({ endpoint: config.s3.endpoint, region: config.s3.region, bucket: config.s3.bucket, accessKeyId: config.s3.accessKeyId, secretAccessKey: config.s3.secretAccessKey });
  } else {
    await ensure('s3');
    store = new ArtifactStore({ endpoint: local.s3Endpoint, region: config.s3.region, bucket: config.s3.bucket, accessKeyId: local.s3AccessKey, secretAccessKey: local.s3SecretKey });
  }
  await store.ensureBucket();

  const db = opts.database === false ? undefined
    : config.database.mode === 'postgres' ? await connectPostgres(config.database.url) : await connectPglite(path.resolve(config.database.dir));

  const connections: Connection[] = [];
  return {
    config, db, store, temporalAddress, namespace: config.temporal.namespace,
    async connectTemporal() {
      const connection = await Connection.connect({ address: temporalAddress });
      connections.push(connection);
      return new Client({ connection, namespace: config.temporal.namespace });
    },
    async close() {
      for (const c of connections) await c.close().catch(() => {});
      store.destroy();
      await db?.close();
      if (opts.keepServices !== true) for (const name of started.reverse()) await stopService(services, name);
    },
  };
}
