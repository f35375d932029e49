import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseEnv } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ConfigError, type Env, type Setting } from '@playlist-chat/platform';
import { catalogue, clusterEnv, singleNodeEnv } from '../../../tools/settings/catalogue';
import { generatedFiles } from '../../../tools/settings/generated-files';
import { regenerateCommand } from '../../../tools/settings/render';
import { describeCatalogue } from '../../../tools/settings/variables';

const repoRoot = join(__dirname, '..', '..', '..');
const generated = generatedFiles();
const variables = describeCatalogue(catalogue).flatMap((group) => group.variables);

async function generatedContent(file: string): Promise<string> {
  const found = (await generated).find((item) => item.path === join(repoRoot, file));
  if (!found) throw new Error(`${file} is not generated`);
  return found.content;
}

/** What the apps get from loading every group: the values, or the problems a ConfigError names. */
function loadAll(env: Env): Record<string, unknown> {
  return Object.fromEntries(
    catalogue.map(({ group, load }) => {
      try {
        return [group, load(env)];
      } catch (error) {
        if (error instanceof ConfigError) return [group, error.problems];
        throw error;
      }
    }),
  );
}

const isSetting = (value: unknown): value is Setting<unknown> =>
  typeof value === 'object' &&
  value !== null &&
  'env' in value &&
  'parse' in value &&
  'defaultValue' in value;

/** Every `*.settings.ts` under the workspaces' sources. */
function settingsFiles(): string[] {
  const workspaces = ['libs', 'chat-server', 'presence-server', 'gateway', 'single-node', 'bench'];
  return workspaces.flatMap((folder) =>
    existsSync(join(repoRoot, folder))
      ? readdirSync(join(repoRoot, folder), { recursive: true, encoding: 'utf8' })
          .filter((path) => path.endsWith('.settings.ts') && !/(^|\/)(node_modules|dist|test)\//.test(path))
          .map((path) => join(repoRoot, folder, path))
      : [],
  );
}

describe('configuration catalogue', () => {
  it.each(['.env', 'docs/configuration.md'])('%s matches the settings declarations', async (file) => {
    const expected = await generatedContent(file);
    const path = join(repoRoot, file);
    if (process.env.UPDATE_DOCS === '1') writeFileSync(path, expected);
    const committed = existsSync(path) ? readFileSync(path, 'utf8') : '';
    expect(committed, `${file} is out of date; regenerate it with: ${regenerateCommand}`).toBe(expected);
  });

  it('includes every settings group declared in a *.settings.ts file', async () => {
    const catalogued = new Set(catalogue.flatMap(({ spec }) => Object.values(spec)));
    const missing: string[] = [];
    const files = settingsFiles();
    for (const file of files) {
      const exports = (await import(file)) as Record<string, unknown>;
      for (const [name, value] of Object.entries(exports)) {
        if (typeof value !== 'object' || value === null) continue;
        for (const item of Object.values(value).filter(isSetting)) {
          if (!catalogued.has(item)) missing.push(`${item.env} (${name} in ${relative(repoRoot, file)})`);
        }
      }
    }
    expect(files.length).toBeGreaterThanOrEqual(catalogue.length);
    expect(missing, 'add the group to tools/settings/catalogue.ts').toEqual([]);
  });

  it('declares each variable name once (a shared name is the same setting)', () => {
    const owners = new Map<string, { setting: Setting<unknown>; group: string }>();
    const clashes: string[] = [];
    for (const { group, spec } of catalogue) {
      for (const setting of Object.values(spec)) {
        const owner = owners.get(setting.env);
        if (owner && owner.setting !== setting) clashes.push(`${setting.env} in ${owner.group} and ${group}`);
        if (!owner) owners.set(setting.env, { setting, group });
      }
    }
    expect(clashes).toEqual([]);
  });

  it('writes every variable into .env once, as a value or, when mode-dependent, commented out', async () => {
    const content = await generatedContent('.env');
    const unique = variables.filter((variable) => !variable.listedIn);
    const plain = unique.filter((variable) => !variable.derived);
    const derived = unique.filter((variable) => variable.derived);
    expect(parseEnv(content)).toEqual(
      Object.fromEntries(plain.map((variable) => [variable.name, variable.defaults.single])),
    );
    for (const variable of derived) {
      expect(content.match(new RegExp(`^# ${variable.name}=`, 'gm')), variable.name).toHaveLength(1);
    }
    expect(derived.map((variable) => variable.name)).toContain('AUTH_DEV_TOKENS');
  });

  it('loading .env changes nothing in single node or in a cluster', async () => {
    const fromFile = parseEnv(await generatedContent('.env')) as Env;
    const single = loadAll({ ...fromFile, ...singleNodeEnv });
    for (const [group, result] of Object.entries(single))
      expect(Array.isArray(result), `${group}: ${String(result)}`).toBe(false);
    expect(single).toEqual(loadAll(singleNodeEnv));
    expect(loadAll({ ...fromFile, ...clusterEnv })).toEqual(loadAll(clusterEnv));
  });

  it('finds the condition of every conditionally required variable', () => {
    const conditional = catalogue.flatMap(({ spec }) =>
      Object.values(spec).filter((setting) => setting.requiredWhen),
    );
    const explained = new Set(
      variables.filter((variable) => variable.requiredWhen.length > 0).map((variable) => variable.name),
    );
    const missing = conditional.map((setting) => setting.env).filter((name) => !explained.has(name));
    expect(
      missing,
      'add an environment that makes them required to requirementProbes in tools/settings/catalogue.ts',
    ).toEqual([]);
    expect(explained).toContain('KAFKA_BROKERS');
  });
});
