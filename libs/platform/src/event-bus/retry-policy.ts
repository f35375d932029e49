import type { PlatformSettings } from '../config/platform.settings';

/** How often and how patiently a bus retries a failing handler before dead-lettering the event. */
export interface RetryPolicy {
  /** Deliveries in total, the first included. */
  readonly maxAttempts: number;
  /** Delay before the second delivery; doubles for each one after. */
  readonly baseDelayMs: number;
}

export function retryPolicyFrom(
  settings: Pick<PlatformSettings, 'eventMaxAttempts' | 'eventRetryBaseMs'>,
): RetryPolicy {
  return { maxAttempts: settings.eventMaxAttempts, baseDelayMs: settings.eventRetryBaseMs };
}

/** Delay after failed delivery number `attempt` (1-based): base, 2·base, 4·base… */
export function retryDelayMs(policy: RetryPolicy, attempt: number): number {
  return policy.baseDelayMs * 2 ** (attempt - 1);
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
