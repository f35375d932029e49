import { ConfigError } from '@playlist-chat/platform';
import { describe, expect, it } from 'vitest';
import { loadChatConfig } from './load-config';
import { loadStompSettings, stompOptionsFrom } from './stomp-limits.settings';

describe('STOMP_MAX_QUEUED_FRAMES and STOMP_DRAIN_TIMEOUT_MS', () => {
  it('reach the STOMP library as its limits, with defaults 1024 and 30 s', () => {
    expect(stompOptionsFrom(loadStompSettings({})).limits).toMatchObject({
      maxQueuedFrames: 1024,
      drainTimeoutMs: 30_000,
    });
    const set = loadStompSettings({ STOMP_MAX_QUEUED_FRAMES: '256', STOMP_DRAIN_TIMEOUT_MS: '5000' });
    expect(stompOptionsFrom(set).limits).toMatchObject({ maxQueuedFrames: 256, drainTimeoutMs: 5000 });
  });

  it('refuses a queue limit under 64 frames (reading pauses at 32)', () => {
    expect(() => loadStompSettings({ STOMP_MAX_QUEUED_FRAMES: '16' })).toThrow(/STOMP_MAX_QUEUED_FRAMES/);
  });
});

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

describe('CHAT_MAX_CONTENT_LENGTH against the STOMP frame limits', () => {
  it('refuses a content limit whose longest line cannot fit one SEND frame, naming both settings', () => {
    const load = () => loadChatConfig({ CHAT_MAX_CONTENT_LENGTH: '60000' });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(
      /CHAT_MAX_CONTENT_LENGTH \(60000\) needs STOMP_MAX_BODY_BYTES of at least 241024 .*got 65536/,
    );
    expect(load).toThrow(
      /CHAT_MAX_CONTENT_LENGTH \(60000\) needs STOMP_MAX_FRAME_BYTES of at least 242304 .*got 65536/,
    );
  });

  it('counts the frame beyond the body: the headers and two identifier headers', () => {
    const load = () =>
      loadChatConfig({
        CHAT_MAX_CONTENT_LENGTH: '60000',
        STOMP_MAX_BODY_BYTES: '241024',
        STOMP_MAX_FRAME_BYTES: '241024',
      });
    expect(load).toThrow(/STOMP_MAX_FRAME_BYTES of at least 242304/);
    expect(load).not.toThrow(/STOMP_MAX_BODY_BYTES/);
  });

  it('starts with the defaults (2000 characters), and with the longest lines once the frame limits allow them', () => {
    expect(loadChatConfig({}).config.chat.maxContentLength).toBe(2000);
    // The longest the STOMP defaults allow, as CHAT_MAX_CONTENT_LENGTH's description says.
    expect(loadChatConfig({ CHAT_MAX_CONTENT_LENGTH: '15808' }).config.chat.maxContentLength).toBe(15808);
    expect(() => loadChatConfig({ CHAT_MAX_CONTENT_LENGTH: '15809' })).toThrow(/STOMP_MAX_FRAME_BYTES/);
    const raised = loadChatConfig({
      CHAT_MAX_CONTENT_LENGTH: '60000',
      STOMP_MAX_BODY_BYTES: '241024',
      STOMP_MAX_FRAME_BYTES: '242304',
    });
    expect(raised.config.chat.maxContentLength).toBe(60000);
  });
});
