import {
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { PeriodicTask } from '@playlist-chat/platform';
import { ChatConfig } from '../app/chat-config';
import { HousekeepingService } from './housekeeping.service';

/** Runs housekeeping every CHAT_HOUSEKEEPING_INTERVAL_MS; passes never overlap. */
@Injectable()
export class HousekeepingWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly task: PeriodicTask;

  constructor(housekeeping: HousekeepingService, config: ChatConfig) {
    this.task = new PeriodicTask({
      name: 'housekeeping',
      intervalMs: config.chat.housekeepingIntervalMs,
      run: () => housekeeping.run(),
      logger: new Logger(HousekeepingWorker.name),
    });
  }

  onApplicationBootstrap(): void {
    this.task.start();
  }

  beforeApplicationShutdown(): Promise<void> {
    return this.task.stop();
  }
}
