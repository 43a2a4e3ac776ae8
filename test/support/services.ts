import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { connectionInfo, type LocalServicesConfig } from '@opensoc/local-services';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * Tests run their own copies of the real services, on their own ports and data
 * directory, so they never touch a developer's `opensoc dev up` instance.
 */
export function testServicesConfig(): LocalServicesConfig {
  return {
    dataDir: path.join(repoRoot, '.opensoc', 'test'),
    temporalPort: Number(process.env.OPENSOC_TEST_TEMPORAL_PORT ?? 27233),
    postgresPort: Number(process.env.OPENSOC_TEST_POSTGRES_PORT ?? 25432),
    s3Port: Number(process.env.OPENSOC_TEST_S3_PORT ?? 21333),
    s3AccessKey: 'opensoc-test',
    s3SecretKey: 'opensoc-test-secret',
  };
}

export const testConnections = () => connectionInfo(testServicesConfig());
