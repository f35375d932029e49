/**
 * `work`'s outcome, or a rejection with `Error(message)` when `ms` pass first; the timer is
 * cleared either way. `work` itself is not cancelled: it settles on its own, unobserved.
 */
export function withTimeout<T>(
  work: Promise<T>,
  ms: number,
  message = `no answer within ${ms} ms`,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
