import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { catalogue, type GroupName } from '../../tools/settings/catalogue';
import { repoRoot } from './support/repo-root';

/**
 * No Docker engine runs here, so `docker-compose.yml` and the Dockerfile are checked as text
 * against the code: what `docker compose up` would hit first (an unknown or missing setting, a
 * service without a health check, a build that copies the wrong folders) fails here instead.
 */
interface ComposeService {
  build?: string | { context: string; dockerfile?: string };
  command?: string[];
  environment?: Record<string, string>;
  healthcheck?: { test?: string[] };
  volumes?: string[];
  depends_on?: Record<string, { condition?: string }>;
}

const compose = parse(readFileSync(join(repoRoot, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, ComposeService>;
};
const dockerfile = readFileSync(join(repoRoot, 'Dockerfile'), 'utf8');
const workspaces = (
  JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { workspaces: string[] }
).workspaces;

/** The settings groups each app loads at start-up. */
const groupsOf: Record<string, GroupName[]> = {
  'chat-server': ['Platform', 'Telemetry', 'Auth', 'Chat server', 'STOMP endpoint', 'Storage'],
  'presence-server': ['Platform', 'Telemetry', 'Auth', 'Presence server'],
  gateway: ['Platform', 'Telemetry', 'Gateway'],
};

const declared = new Set(
  catalogue.flatMap(({ spec }) => Object.values(spec).map((setting) => (setting as { env: string }).env)),
);

/** The environment as compose would pass it: `${X:-default}` → default, `${X:?message}` → a value the operator must give. */
function resolved(environment: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(environment).map(([name, value]) => [
      name,
      String(value)
        .replace(/\$\{\w+:-([^}]*)\}/g, '$1')
        .replace(/\$\{\w+:\?[^}]*\}/g, 'an-operator-chosen-secret-of-some-length'),
    ]),
  );
}

const apps = Object.entries(compose.services).filter(([, service]) => service.build !== undefined);

describe('docker-compose.yml', () => {
  it('runs the three apps, each from its own entry point', () => {
    expect(apps.map(([name]) => name).sort()).toEqual(['chat-server', 'gateway', 'presence-server']);
    for (const [name, service] of apps) {
      expect(service.command).toEqual(['node', `${name}/dist/main.js`]);
      expect(existsSync(join(repoRoot, name, 'src', 'main.ts'))).toBe(true);
    }
  });

  it.each(apps.map(([name]) => name))(
    'sets only declared settings for %s, and every one it needs',
    (name) => {
      const environment = resolved(compose.services[name].environment ?? {});
      expect(Object.keys(environment).filter((variable) => !declared.has(variable))).toEqual([]);
      expect(environment.DEPLOYMENT_MODE).toBe('cluster');
      for (const group of groupsOf[name]) {
        const entry = catalogue.find((candidate) => candidate.group === group)!;
        expect(() => entry.load(environment), `${name}: ${group}`).not.toThrow();
      }
    },
  );

  it('gives every service a health check, and waits for health wherever one depends on another', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      expect(service.healthcheck?.test, name).toBeDefined();
      for (const [dependency, condition] of Object.entries(service.depends_on ?? {})) {
        expect(compose.services[dependency], `${name} → ${dependency}`).toBeDefined();
        expect(condition.condition, `${name} → ${dependency}`).toBe('service_healthy');
      }
    }
  });

  it('builds from contexts that exist, with a Dockerfile that copies every workspace and runs as non-root', () => {
    for (const [, service] of apps) {
      const build = typeof service.build === 'string' ? { context: service.build } : service.build!;
      expect(existsSync(join(repoRoot, build.context, build.dockerfile ?? 'Dockerfile'))).toBe(true);
    }
    for (const workspace of workspaces) expect(dockerfile).toContain(`COPY ${workspace}/package.json`);
    expect(dockerfile).toMatch(/^FROM node:24/m);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toContain('--omit=dev');
    expect(existsSync(join(repoRoot, '.dockerignore'))).toBe(true);
  });

  it('runs the observability services from config files that exist, traces going to the collector', () => {
    for (const name of ['otel-collector', 'jaeger', 'prometheus', 'grafana'])
      expect(compose.services[name], name).toBeDefined();
    for (const [name, service] of Object.entries(compose.services))
      for (const volume of service.volumes ?? []) {
        const source = volume.split(':')[0];
        if (source.startsWith('./'))
          expect(existsSync(join(repoRoot, source)), `${name}: ${source}`).toBe(true);
      }
    for (const [name] of apps)
      expect(resolved(compose.services[name].environment ?? {}).OTEL_EXPORTER_OTLP_ENDPOINT).toBe(
        'http://otel-collector:4318',
      );
    const collector = parse(
      readFileSync(join(repoRoot, 'deploy/observability/otel-collector.yaml'), 'utf8'),
    ) as {
      service: { pipelines: { traces: { receivers: string[]; exporters: string[] } } };
    };
    expect(collector.service.pipelines.traces).toMatchObject({
      receivers: ['otlp'],
      exporters: ['otlp/jaeger'],
    });
  });

  it('provisions a Grafana dashboard whose every metric is one docs/operations.md lists', () => {
    const dashboard = JSON.parse(
      readFileSync(join(repoRoot, 'deploy/observability/grafana/dashboards/playlist-chat.json'), 'utf8'),
    ) as { panels: { type: string; title: string; targets?: { expr: string }[] }[] };
    const rows = dashboard.panels.filter((panel) => panel.type === 'row').map((panel) => panel.title);
    expect(rows).toEqual(['Throughput', 'Latency', 'Errors', 'Connections', 'Lag']);
    const operations = readFileSync(join(repoRoot, 'docs/operations.md'), 'utf8');
    const queried = new Set(
      dashboard.panels
        .flatMap((panel) => panel.targets ?? [])
        .flatMap(
          (target) =>
            target.expr.match(
              /\b[a-z_]+?_(?:total|seconds|sessions|subscriptions)(?:_bucket|_count|_sum)?\b/g,
            ) ?? [],
        )
        .map((name) => name.replace(/_(bucket|count|sum)$/, '')),
    );
    expect(queried.size).toBeGreaterThan(5);
    const listed = new Set([...operations.matchAll(/`([a-z_]+)[{`]/g)].map((match) => match[1]));
    for (const metric of queried) expect(listed, metric).toContain(metric);
  });
});
