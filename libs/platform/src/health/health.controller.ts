import { Controller, Get, Inject } from '@nestjs/common';
import {
  HealthCheck,
  HealthCheckService,
  HealthIndicatorService,
  type HealthCheckResult,
} from '@nestjs/terminus';
import { UncheckedInput } from '../http/declared-input.guard';
import { ReadinessIndicator } from './readiness-indicator';

export const READINESS_INDICATORS = Symbol('READINESS_INDICATORS');
export const READINESS_TIMEOUT_MS = Symbol('READINESS_TIMEOUT_MS');

/** Probes may add anything to the URL (cache busters): their query is not checked. */
@UncheckedInput()
@Controller('health')
export class HealthController {
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
  ready(): Promise<HealthCheckResult> {
    return this.health.check(
      this.readiness.map(
        (indicator) => () =>
          this.indicators
            .check(indicator.name)
            .attempt(({ signal }) => indicator.check(signal))
            .withTimeout(this.timeoutMs),
      ),
    );
  }
}
