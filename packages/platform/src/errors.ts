/** Input a retry cannot fix (named so Temporal treats it as non-retryable). */
export class InvalidInputError extends Error {
  override name = 'InvalidInputError';
}
/** A referenced dataset, split, run or entry does not exist. */
export class NotFoundError extends Error {
  override name = 'NotFoundError';
}
