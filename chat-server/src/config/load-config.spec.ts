import { ConfigError } from '@playlist-chat/platform';
import { describe, expect, it } from 'vitest';
import { loadChatConfig } from './load-config';

describe('CHAT_SHUTDOWN_GRACE_MS against SHUTDOWN_TIMEOUT_MS', () => {
  it('refuses a grace for sends in flight that the process would not be given, naming both', () => {
    const load = () => loadChatConfig({ CHAT_SHUTDOWN_GRACE_MS: '12000' });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow('CHAT_SHUTDOWN_GRACE_MS (12000) must be less than SHUTDOWN_TIMEOUT_MS (10000)');
  });

  it('takes a longer grace once SHUTDOWN_TIMEOUT_MS allows it', () => {
    const { config } = loadChatConfig({ CHAT_SHUTDOWN_GRACE_MS: '12000', SHUTDOWN_TIMEOUT_MS: '20000' });
    expect(config.chat.shutdownGraceMs).toBe(12000);
    expect(loadChatConfig({}).config.chat.shutdownGraceMs).toBe(5000);
  });
});
