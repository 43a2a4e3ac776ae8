import { spawnTrainingWorker, startWorkers } from '@opensoc/worker';
import { trainingWorkerEnv, type TestPlatform } from './platform.ts';

/** An orchestration worker in this process and a training worker process, both on a test platform. */
export async function startTestWorkers(p: TestPlatform): Promise<{ stop(): Promise<void> }> {
  const workers = await startWorkers({ db: p.db.db, store: p.store, temporalAddress: p.temporalAddress, namespace: p.namespace }, ['orchestration']);
  const trainer = spawnTrainingWorker({ env: trainingWorkerEnv(p) });
  await trainer.ready;
  return {
    async stop() {
      await trainer.stop();
      await workers.shutdown();
    },
  };
}
