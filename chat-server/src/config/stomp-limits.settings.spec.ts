import { ConfigError } from '@playlist-chat/platform';
import { describe, expect, it } from 'vitest';
import { loadStompSettings } from './stomp-limits.settings';

describe('STOMP_MAX_BODY_BYTES and STOMP_MAX_FRAME_BYTES', () => {
  it('refuses a body limit over the frame limit, naming both (the frame limit would decide alone)', () => {
    const load = () => loadStompSettings({ STOMP_MAX_BODY_BYTES: '1048576', STOMP_MAX_FRAME_BYTES: '65536' });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow('STOMP_MAX_BODY_BYTES (1048576) must not exceed STOMP_MAX_FRAME_BYTES (65536)');
  });

  it('takes a body limit up to the frame limit', () => {
    expect(loadStompSettings({ STOMP_MAX_BODY_BYTES: '65536' }).maxBodyBytes).toBe(65536);
    expect(loadStompSettings({ STOMP_MAX_BODY_BYTES: '1024' }).maxBodyBytes).toBe(1024);
  });
});
