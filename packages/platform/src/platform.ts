import path from 'node:path';
import { Connection, Client } from '@temporalio/client';
import { loadConfig, type OpenSocConfig } from '@opensoc/config';
import { connectPglite, connectPostgres, type DbHandle } from '@opensoc/db';
import { acquireLock, connectionInfo, defaultServicesConfig, detachServices, ensureService, type ServiceName } from '@opensoc/local-services';
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
  /** Starts (or attaches to) the local Temporal server where it is embedded; opened with lazyTemporal, nothing starts it before this. */
  ensureTemporal(): Promise<string>;
  connectTemporal(): Promise<Client>;
  close(): Promise<void>;
}

/**
 * Opens the platform. Local services (embedded mode) are shared: a running one (`opensoc dev up`,
 * or another command) is attached to in milliseconds, a missing one is started on demand and
 * stopped again by the last process that used it; what dev up started stays until dev down.
 * lazyTemporal: start Temporal only when a caller needs it (most read commands never do).
 */
export async function openPlatform(config: OpenSocConfig = loadConfig(), opts: { database?: boolean; keepServices?: boolean; lazyTemporal?: boolean } = {}): Promise<Platform> {
  const services = defaultServicesConfig(path.resolve(config.dataDir), config.local);
  const local = connectionInfo(services);
  let attached = false;
  const ensure = async (name: ServiceName) => { attached = true; await ensureService(services, name); };
  const cleanups: (() => Promise<void> | void)[] = [];
  const close = async () => {
    for (const fn of cleanups.splice(0).reverse()) await fn();
    if (attached) await detachServices(services, { stop: opts.keepServices !== true });
    attached = false;
  };

  try {
    const temporalAddress = config.temporal.mode === 'external' ? config.temporal.address : local.temporalAddress;
    let temporalReady: Promise<void> | undefined;
    const ensureTemporal = async () => {
      if (config.temporal.mode === 'embedded') await (temporalReady ??= ensure('temporal'));
      return temporalAddress;
    };
    if (!opts.lazyTemporal) await ensureTemporal();

    let store: ArtifactStore;
    if (config.s3.mode === 'external') {
      store = new ArtifactStore({ endpoint: config.s3.endpoint, region: config.s3.region, bucket: config.s3.bucket, accessKeyId: config.s3.accessKeyId, secretAccessKey: config.s3.secretAccessKey });
    } else {
      await ensure('s3');
      store = new ArtifactStore({ endpoint: local.s3Endpoint, region: config.s3.region, bucket: config.s3.bucket, accessKeyId: local.s3AccessKey, secretAccessKey: local.s3SecretKey });
    }
    cleanups.push(() => store.destroy());
    await store.ensureBucket();

    let db: DbHandle | undefined;
    if (opts.database !== false) {
      const mode = config.database;
      if (mode.mode === 'postgres') {
        db = await connectPostgres(mode.url);
      } else if (mode.mode === 'local') {
        await ensure('postgres');
        db = await connectPostgres(local.databaseUrl);
      } else {
        // PGlite is one process's: a second one would corrupt it, so it is locked.
        const dir = path.resolve(mode.dir);
        cleanups.push(await acquireLock(`${dir}.lock`, `the embedded database ${dir} (OPENSOC_EMBEDDED_DB=pglite)`));
        db = await connectPglite(dir);
      }
      const handle = db;
      cleanups.push(() => handle.close());
    }

    const connections: Connection[] = [];
    cleanups.push(async () => { for (const c of connections) await c.close().catch(() => {}); });
    return {
      config, db, store, temporalAddress, namespace: config.temporal.namespace, ensureTemporal,
      async connectTemporal() {
        const connection = await Connection.connect({ address: await ensureTemporal() });
        connections.push(connection);
        return new Client({ connection, namespace: config.temporal.namespace });
      },
      close,
    };
  } catch (e) {
    await close().catch(() => {});
    throw e;
  }
}
