import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, normalize } from 'node:path';
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
  ports?: (string | { target: number; published?: string | number; host_ip?: string })[];
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

const read = (file: string) => readFileSync(join(repoRoot, file), 'utf8');

interface PackageJson {
  name: string;
  main?: string;
  exports?: Record<string, string>;
  dependencies?: Record<string, string>;
}

const packages = new Map(
  workspaces.map((dir) => {
    const pkg = JSON.parse(read(join(dir, 'package.json'))) as PackageJson;
    return [pkg.name, { dir, pkg }];
  }),
);

/** What `npm ci --omit=dev` installs in the image: the dependencies (not dev) of the root and every workspace. */
const productionDependencies = new Set(
  [JSON.parse(read('package.json')) as PackageJson, ...[...packages.values()].map(({ pkg }) => pkg)].flatMap(
    (pkg) => Object.keys(pkg.dependencies ?? {}),
  ),
);

/** The paths (under WORKDIR /app) the runtime stage copies from the build stage, files or folders. */
const imageContents: string[] = (() => {
  const start = dockerfile.search(/^FROM \S+ AS runtime$/m);
  if (start < 0) throw new Error('the Dockerfile has no runtime stage');
  return [...dockerfile.slice(start).matchAll(/^COPY --from=build (.+)$/gm)].flatMap((match) => {
    const paths = match[1]
      .trim()
      .split(/\s+/)
      .map((path) => path.replace(/^\/app\//, ''));
    const target = paths.pop()!;
    // Several sources, or a target ending in /, land in that folder under their own names.
    return paths.length > 1 || target.endsWith('/')
      ? paths.map((source) => join(target, basename(source)))
      : [normalize(target)];
  });
})();

const inImage = (path: string) =>
  imageContents.some((copied) => path === copied || path.startsWith(`${copied}/`));

/** The modules a source file loads when it runs (`import type` is erased by the build). */
function runtimeImports(source: string): string[] {
  const text = read(source);
  return [
    ...text.matchAll(/^(?:import|export)\s+(?!type\b)(?:[^;]*?\s+from\s+)?'([^']+)'/gm),
    ...text.matchAll(/\b(?:import|require)\(\s*'([^']+)'\s*\)/g),
  ].map((match) => match[1]);
}

/**
 * Why `node <file>` (a built file of a workspace, e.g. single-node/dist/dlt.js) cannot run in
 * the image: a file it loads (itself, its relative imports, the entry of each workspace package
 * it imports) the runtime stage does not copy, or a package `npm ci --omit=dev` does not install.
 * Read from the sources, which the build turns one for one into dist/.
 */
function problemsRunning(file: string): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  const visit = (built: string, from: string) => {
    if (seen.has(built)) return;
    seen.add(built);
    if (!inImage(built)) problems.push(`${built} (${from}) is not copied into the runtime stage`);
    const source = `${built.replace('/dist/', '/src/').replace(/\.js$/, '')}.ts`;
    if (!existsSync(join(repoRoot, source)))
      return void problems.push(`${built} (${from}) has no source ${source}`);
    for (const specifier of runtimeImports(source)) {
      if (specifier.startsWith('node:')) continue;
      if (specifier.startsWith('.')) {
        const target = normalize(join(dirname(built), specifier.replace(/\.js$/, '')));
        const folder = existsSync(join(repoRoot, target.replace('/dist/', '/src/'), 'index.ts'));
        visit(folder ? `${target}/index.js` : `${target}.js`, `imported by ${built}`);
        continue;
      }
      const parts = specifier.split('/');
      const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
      const workspace = packages.get(name);
      if (!workspace) {
        if (!productionDependencies.has(name))
          problems.push(`${built} imports ${name}, which npm ci --omit=dev does not install`);
        continue;
      }
      const subpath = ['.', ...parts.slice(name.split('/').length)].join('/');
      const entry = workspace.pkg.exports?.[subpath] ?? (subpath === '.' ? workspace.pkg.main : undefined);
      if (!entry) problems.push(`${built} imports ${specifier}, which ${name} does not export`);
      else if (!inImage(normalize(join(workspace.dir, entry))))
        problems.push(
          `${built} imports ${specifier} (${join(workspace.dir, entry)}), which is not copied into the runtime stage`,
        );
    }
  };
  visit(normalize(file), 'run');
  return problems;
}

const docs = [
  'README.md',
  ...readdirSync(join(repoRoot, 'docs'))
    .filter((file) => file.endsWith('.md'))
    .map((file) => `docs/${file}`),
];

/** Every command run in an app's container: compose's, the image's default, and each `docker compose exec <app> …` the docs give. */
const containerCommands: { where: string; command: string[] }[] = [
  ...apps.map(([name, service]) => ({
    where: `docker-compose.yml, ${name}`,
    command: service.command ?? [],
  })),
  {
    where: 'Dockerfile, CMD',
    command: JSON.parse(/^CMD (\[.*\])$/m.exec(dockerfile)?.[1] ?? '[]') as string[],
  },
  ...docs.flatMap((file) =>
    [...read(file).matchAll(/docker compose exec\s+(?:-\S+\s+)*([\w-]+)\s+([^`\n\\]+)/g)]
      .filter(([, service]) => apps.some(([name]) => name === service))
      .map(([whole, , command]) => ({
        where: `${file}: ${whole.trim()}`,
        command: command.trim().split(/\s+/),
      })),
  ),
];

/** How a published port is bound on the host: its address, or undefined for every interface. */
function hostAddressOf(port: NonNullable<ComposeService['ports']>[number]): string | undefined {
  if (typeof port !== 'string') return port.host_ip;
  return /^(\[[^\]]+\]|\d+\.\d+\.\d+\.\d+):[\d-]+:[\d-]+(\/\w+)?$/.exec(port)?.[1];
}

/** The host port of a published port (`127.0.0.1:27017:27017` → 27017). */
function hostPortOf(port: NonNullable<ComposeService['ports']>[number]): string | undefined {
  if (typeof port !== 'string') return port.published === undefined ? undefined : String(port.published);
  const parts = port
    .replace(/\/\w+$/, '')
    .replace(/^\[[^\]]+\]/, 'ip')
    .split(':');
  return parts.length > 1 ? parts[parts.length - 2] : undefined;
}

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

  it('can run, in an app container, every command compose, the image and the docs run there', () => {
    // The docs give at least the dead-letter tool (docs/operations.md, "Running the cluster").
    expect(containerCommands.filter(({ where }) => where.startsWith('docs/')).length).toBeGreaterThan(0);
    for (const { where, command } of containerCommands) {
      expect(
        command[0],
        `${where}: npm run builds first, which the image cannot (no sources, no dev dependencies): run the built file with node`,
      ).toBe('node');
      const file = command.slice(1).find((argument) => !argument.startsWith('-'));
      expect(file, where).toBeDefined();
      expect(problemsRunning(file!), where).toEqual([]);
    }
  });

  it('publishes the engines the apps use (MongoDB, Kafka, Redis, Consul) on the host loopback only, at the ports the docs give', () => {
    // None of them asks for a password as configured here (docs/security.md).
    const engines = [...new Set(apps.flatMap(([, service]) => Object.keys(service.depends_on ?? {})))].filter(
      (name) => compose.services[name].build === undefined,
    );
    expect(engines.sort()).toEqual(['consul', 'kafka', 'mongo', 'redis']);
    const operations = read('docs/operations.md');
    for (const name of engines) {
      const ports = compose.services[name].ports ?? [];
      // The contract suites and npm run test:cluster reach each one from the host (docs/operations.md).
      expect(ports.length, name).toBeGreaterThan(0);
      for (const port of ports) {
        expect(hostAddressOf(port), `${name}: ${JSON.stringify(port)}`).toBe('127.0.0.1');
        expect(operations, `${name}: ${JSON.stringify(port)}`).toContain(`localhost:${hostPortOf(port)}`);
      }
    }
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
