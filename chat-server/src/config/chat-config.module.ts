import { Global, Module, type DynamicModule } from '@nestjs/common';
import { ChatConfig } from './chat-config';
import { ChatInstance } from './chat-instance';

/** The validated settings and this instance's identity, for every chat module (global). */
@Global()
@Module({})
export class ChatConfigModule {
  static forRoot(config: ChatConfig): DynamicModule {
    return {
      module: ChatConfigModule,
      providers: [
        { provide: ChatConfig, useValue: config },
        { provide: ChatInstance, useValue: ChatInstance.create(config.platform) },
      ],
      exports: [ChatConfig, ChatInstance],
    };
  }
}
