import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type BeforeApplicationShutdown,
} from '@nestjs/common';
import { ChatConfig } from '../app/chat-config';
import { HousekeepingService } from './housekeeping.service';

/** Runs housekeeping every CHAT_HOUSEKEEPING_INTERVAL_MS; passes never overlap. */
@Injectable()
export class HousekeepingWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(HousekeepingWorker.name);
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly housekeeping: HousekeepingService,
    private readonly config: ChatConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.tick(), this.config.chat.housekeepingIntervalMs);
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  private tick(): Promise<void> {
    this.running ??= this.housekeeping
      .run()
      .then(() => undefined)
      .catch((error: unknown) => this.logger.error(`housekeeping failed: ${String(error)}`))
      .finally(() => (this.running = undefined));
    return this.running;
  }
}
