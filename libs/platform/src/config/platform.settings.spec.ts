import { describe, expect, it } from 'vitest';
import { platformSettings } from './platform.settings';
import { ConfigError, loadSettings } from './settings';

const problemsOf = (env: Record<string, string>): string[] => {
  try {
    loadSettings(platformSettings, env);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
};

describe('platform settings in a cluster', () => {
  const cluster = { DEPLOYMENT_MODE: 'cluster', PRESENCE_INTERNAL_TOKEN: 'internal-secret' };

  it.each(['EVENT_BUS', 'ROOM_FANOUT', 'SERVICE_REGISTRY'])('refuses %s=memory, naming it', (variable) => {
    expect(problemsOf({ ...cluster, [variable]: 'memory' }).join('\n')).toMatch(
      new RegExp(`^${variable} must not be memory when DEPLOYMENT_MODE=cluster`, 'm'),
    );
  });

  it('defaults to the shared adapters, and asks for their addresses', () => {
    const problems = problemsOf(cluster).join('\n');
    expect(problems).toContain('KAFKA_BROKERS is required when EVENT_BUS=kafka');
    expect(problems).toContain('REDIS_URL is required');
    expect(problems).toContain('CONSUL_URL is required when SERVICE_REGISTRY=consul');
  });

  it('takes the in-process adapters in single node, by default', () => {
    expect(loadSettings(platformSettings, {})).toMatchObject({
      eventBus: 'memory',
      fanout: 'memory',
      registry: 'memory',
    });
  });
});
