import type { Variable, VariableGroup } from './variables';

export const regenerateCommand =
  'UPDATE_DOCS=1 npx vitest run libs/platform/test/configuration-catalogue.test.ts';

/** A value Node's `.env` parser (and docker compose) reads back unchanged without quotes. */
const bareValue = /^[\w.,:/*@+-]*$/;

function envValue(name: string, value: string): string {
  if (bareValue.test(value)) return value;
  // Single quotes keep everything literal; the catalogue test parses the file back to prove it.
  if (!/['\n]/.test(value)) return `'${value}'`;
  throw new Error(`${name}: default ${JSON.stringify(value)} cannot be written to .env`);
}

const shown = (value: string): string => (value === '' ? '""' : value);

function envComment(variable: Variable): string {
  const required =
    variable.requiredWhen.length > 0 ? ` (required when ${variable.requiredWhen.join('; or when ')})` : '';
  return `# ${variable.description}${required}`;
}

function envAssignment(variable: Variable): string {
  const { single, cluster } = variable.defaults;
  if (!variable.derived) return `${variable.name}=${envValue(variable.name, single)}`;
  const note =
    single === cluster
      ? `default: ${shown(single)}, derived from other variables`
      : `single node: ${shown(single)}; cluster: ${shown(cluster)}`;
  return `# ${variable.name}=   (${note})`;
}

/** `.env`: every variable once, with its description and default; mode-dependent defaults commented out. */
export function renderEnvFile(groups: readonly VariableGroup[]): string {
  const lines = [
    '# Configuration of playlist-chat: every environment variable the apps read, with its default.',
    '# Generated from the settings declarations (tools/settings/catalogue.ts); edit those, not this file.',
    `# Regenerate: ${regenerateCommand}`,
    '# A variable set in the real environment wins over this file. Lines left commented out have defaults',
    '# that depend on DEPLOYMENT_MODE (or other variables); uncomment one only to pin it.',
    '# Every variable, its checks and when it is required: docs/configuration.md.',
    "# Quote a value that holds # or spaces (KEY='a#b c'): unquoted, # starts a comment and the rest of",
    '# the line is dropped (npm start warns about such a line, naming it).',
    '# Once this file holds a secret (a key, a token, a password in a URL), keep it private',
    '# (chmod 600 .env) and out of version control.',
  ];
  for (const { group, variables } of groups) {
    lines.push('', `# --- ${group} ---`);
    for (const variable of variables) {
      if (variable.listedIn) continue;
      lines.push(envComment(variable), envAssignment(variable));
    }
  }
  return `${lines.join('\n')}\n`;
}

const cell = (text: string): string => text.replace(/\|/g, '\\|');
const code = (value: string): string => (value === '' ? '*(empty)*' : `\`${value}\``);
const anchor = (group: string): string => group.toLowerCase().replace(/[^a-z0-9]+/g, '-');

function defaultCell({ defaults: { single, cluster } }: Variable): string {
  return single === cluster ? code(single) : `single: ${code(single)}<br>cluster: ${code(cluster)}`;
}

function tableRow(variable: Variable): string {
  if (variable.listedIn) {
    return `| \`${variable.name}\` | see [${variable.listedIn}](#${anchor(variable.listedIn)}) | the same variable, shared with ${variable.listedIn} |`;
  }
  return `| \`${variable.name}\` | ${cell(defaultCell(variable))} | ${cell(variable.description)} |`;
}

/** `docs/configuration.md`: a table per group, how values are checked, and when a variable is required. */
export function renderConfigurationMarkdown(groups: readonly VariableGroup[], exampleError: string): string {
  const unique = groups.flatMap((group) => group.variables).filter((variable) => !variable.listedIn);
  const required = unique.filter((variable) => variable.requiredWhen.length > 0);
  const secrets = unique.filter((variable) => variable.secret).map((variable) => `\`${variable.name}\``);
  const lines = [
    '# Configuration',
    '',
    `<!-- Generated from tools/settings/catalogue.ts; edit the settings declarations, then run: ${regenerateCommand} -->`,
    '',
    'Every app reads its configuration from environment variables. Each variable is declared once,',
    'with its default and description, by `setting.*` in a settings group (`*.settings.ts`); this page',
    'and the `.env` file at the repository root are generated from those declarations.',
    '',
    '- **Defaults work for single node**: `npm start` needs no variable at all. Where a default',
    '  differs in a cluster (`DEPLOYMENT_MODE=cluster`), the table gives both.',
    '- **`.env`** lists every variable with its default. `npm start` reads it; a variable set in the',
    '  real environment wins over the file. Mode-dependent variables are commented out there, so the',
    '  file never forces a single-node value onto a cluster. Quote a value that holds `#` or spaces',
    "  (`KEY='a#b c'`): unquoted, `#` starts a comment and the rest of the line is dropped. `npm start`",
    '  warns about such a line, and about a quote left open, naming the variable and the line. Once',
    '  the file holds a secret, keep it private (`chmod 600 .env`) and out of version control.',
    '- **An empty value counts as unset**: the default applies.',
    '',
    '## Validation',
    '',
    'Each app parses all its groups at start-up (`loadSettings`). A bad value (not a number, out of',
    'range, not one of the allowed values, not a URL) or a missing required variable stops the',
    'process before it serves anything, with a `ConfigError` that names every bad variable, its rule',
    'and the value given, never a credential: the password of a URL is masked',
    '(`mongodb://admin:***@db:27017`), and the value of a key or token is not shown at all',
    `(${secrets.join(', ')}).`,
    'For example, with `CHAT_PORT=http` and `EVENT_BUS=kafka`:',
    '',
    '```text',
    exampleError,
    '```',
    '',
    '## Required variables',
    '',
    'No variable is required in single node with the embedded adapters. These become required when',
    'the condition holds (an empty value does not count):',
    '',
    '| variable | required when |',
    '|---|---|',
    ...required.map(
      (variable) => `| \`${variable.name}\` | ${cell(variable.requiredWhen.join('; or when '))} |`,
    ),
  ];
  for (const { group, readBy, variables } of groups) {
    lines.push(
      '',
      `## ${group}`,
      '',
      `Read by: ${readBy}.`,
      '',
      '| variable | default | description |',
      '|---|---|---|',
      ...variables.map(tableRow),
    );
  }
  return `${lines.join('\n')}\n`;
}
