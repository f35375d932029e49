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
  'chat-server': ['Platform', 'Auth', 'Chat server', 'STOMP endpoint', 'Storage'],
  'presence-server': ['Platform', 'Auth', 'Presence server'],
  gateway: ['Platform', 'Gateway'],
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
});
