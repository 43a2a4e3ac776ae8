import type { ActivityOptions } from '@temporalio/workflow';

/** Errors a retry cannot fix: bad input, missing dataset. Everything else is retried. */
export const NON_RETRYABLE = ['InvalidInputError', 'NotFoundError', 'ZodError'];

/** Orchestration activities: short, and retried long enough to ride out a 20 s database or S3 outage. */
export const orchestrationActivityOptions: ActivityOptions = {
  startToCloseTimeout: '10 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '15 seconds', maximumAttempts: 20, nonRetryableErrorTypes: NON_RETRYABLE },
};

/** A live (partial) leaderboard pass: best effort, so a few quick retries and then give up until the next unit finishes. */
export const liveAggregationActivityOptions: ActivityOptions = {
  startToCloseTimeout: '10 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 seconds', maximumAttempts: 3, nonRetryableErrorTypes: NON_RETRYABLE },
};

/**
 * Training activities: they heartbeat (step, loss, checkpoint key) every few seconds, so a dead
 * worker is noticed within heartbeatTimeout and the retry resumes from the last checkpoint.
 * scheduleToStartTimeout makes "no training worker is polling this queue" an error, not a silent wait.
 */
export function trainingActivityOptions(taskQueue: string, heartbeatTimeoutSeconds = 60): ActivityOptions {
  return {
    taskQueue,
    startToCloseTimeout: '4 hours',
    heartbeatTimeout: `${heartbeatTimeoutSeconds} seconds`,
    scheduleToStartTimeout: '30 minutes',
    cancellationType: 'WAIT_CANCELLATION_COMPLETED',
    retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 10, nonRetryableErrorTypes: NON_RETRYABLE },
  };
}
