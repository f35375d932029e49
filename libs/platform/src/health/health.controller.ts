import { AsyncResource } from 'node:async_hooks';
import { Controller, Get, Inject, Logger, ServiceUnavailableException } from '@nestjs/common';
import {
  HealthCheck,
  HealthCheckService,
  HealthIndicatorService,
  type HealthCheckResult,
  type HealthIndicatorResult,
} from '@nestjs/terminus';
import { UncheckedInput } from '../http/declared-input.guard';
import { ReadinessIndicator } from './readiness-indicator';

export const READINESS_INDICATORS = Symbol('READINESS_INDICATORS');
export const READINESS_TIMEOUT_MS = Symbol('READINESS_TIMEOUT_MS');

/** Probes may add anything to the URL (cache busters): their query is not checked. */
@UncheckedInput()
@Controller('health')
export class HealthController {
  private readonly log = new Logger('Readiness');
  /** The checks that failed last time: undefined before the first probe, '' when ready. */
  private lastFailing: string | undefined;
  /** The controller's own context: a readiness change is not a probe's doing, so its line carries no probe's `req`. */
  private readonly outsideProbes = new AsyncResource('readiness-log');

  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    @Inject(READINESS_INDICATORS) private readonly readiness: ReadinessIndicator[],
    @Inject(READINESS_TIMEOUT_MS) private readonly timeoutMs: number,
  ) {}

  /** The process is up and its event loop answers: restart it if not. */
  @Get('live')
  @HealthCheck()
  live(): Promise<HealthCheckResult> {
    return this.health.check([]);
  }

  /** Every dependency answers: send it traffic (discovery polls this). 503 with the failing ones otherwise. */
  @Get('ready')
  @HealthCheck()
  async ready(): Promise<HealthCheckResult> {
    try {
      const result = await this.health.check(
        this.readiness.map(
          (indicator) => () =>
            this.indicators
              .check(indicator.name)
              .attempt(({ signal }) => indicator.check(signal))
              .withTimeout(this.timeoutMs),
        ),
      );
      this.noteReadiness({});
      return result;
    } catch (error) {
      if (error instanceof ServiceUnavailableException)
        this.noteReadiness((error.getResponse() as HealthCheckResult).error ?? {});
      throw error;
    }
  }

  /**
   * One line when readiness changes (not ready, or other checks failing: warn, saying why; ready
   * again: info), none for a probe that finds the same checks failing: discovery and load
   * balancers probe every few seconds, and Terminus's own error line for each failed probe (off
   * in HealthModule) filled the log at level error for as long as an outage lasted. Compared by
   * the checks' names, not their messages, which change from probe to probe while a client
   * reconnects.
   */
  private noteReadiness(failed: Partial<HealthIndicatorResult>): void {
    const failing = Object.keys(failed).sort().join(',');
    if (failing === this.lastFailing) return;
    const before = this.lastFailing;
    this.lastFailing = failing;
    this.outsideProbes.runInAsyncScope(() => {
      if (failing) this.log.warn(`not ready: ${describeFailures(failed)}`);
      else if (before !== undefined) this.log.log('ready again: every readiness check passes');
    });
  }
}

/** `room-fanout: Redis is not connected (reconnecting); store: …`, from a 503 report's `error`. */
function describeFailures(failed: Partial<HealthIndicatorResult>): string {
  return Object.entries(failed)
    .map(([name, result]) => (result?.message === undefined ? name : `${name}: ${String(result.message)}`))
    .join('; ');
}
