import { startAll } from '@opensoc/local-services';
import { testServicesConfig } from './support/services.ts';

/** Starts the real services the integration tests talk to (idempotent); scripts/test.mjs stops them. */
export default async function setup(): Promise<void> {
  if (process.env.OPENSOC_SKIP_SERVICES === '1') return;
  await startAll(testServicesConfig());
}
