import { describe, expect, it } from 'vitest';
import { ConfigError, loadSettings, platformSettings, setting } from '@playlist-chat/platform';

const spec = {
  port: setting.port('TEST_PORT', 18000, 'a port'),
  mode: setting.oneOf('TEST_MODE', ['a', 'b'], 'a', 'a mode'),
  flag: setting.bool('TEST_FLAG', (env) => String(env.TEST_MODE === 'a'), 'depends on mode'),
};

describe('loadSettings', () => {
  it('applies defaults, including ones that depend on other variables', () => {
    expect(loadSettings(spec, {})).toEqual({ port: 18000, mode: 'a', flag: true });
    expect(loadSettings(spec, { TEST_MODE: 'b' })).toEqual({ port: 18000, mode: 'b', flag: false });
  });

  it('names every bad variable, its rule and the value given', () => {
    let error: unknown;
    try {
      loadSettings(spec, { TEST_PORT: 'abc', TEST_MODE: 'c' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      'TEST_PORT must be an integer from 0 to 65535 (got "abc")',
      'TEST_MODE must be one of a, b (got "c")',
    ]);
  });

  it('requires a variable only when the adapter that needs it is chosen', () => {
    expect(() => loadSettings(platformSettings, { EVENT_BUS: 'kafka' })).toThrow(
      /KAFKA_BROKERS is required when EVENT_BUS=kafka/,
    );
    expect(
      loadSettings(platformSettings, { EVENT_BUS: 'kafka', KAFKA_BROKERS: 'k1:9092, k2:9092' }).kafkaBrokers,
    ).toEqual(['k1:9092', 'k2:9092']);
  });

  it('takes a plain boolean as a flag’s default and parses the usual spellings', () => {
    const flags = {
      on: setting.bool('TEST_ON', true, 'on by default'),
      off: setting.bool('TEST_OFF', false, 'off by default'),
    };
    expect(loadSettings(flags, {})).toEqual({ on: true, off: false });
    expect(loadSettings(flags, { TEST_ON: 'no', TEST_OFF: 'YES' })).toEqual({ on: false, off: true });
    expect(() => loadSettings(flags, { TEST_ON: 'maybe' })).toThrow(
      /TEST_ON must be true or false \(got "maybe"\)/,
    );
  });
});
