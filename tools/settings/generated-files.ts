import { join } from 'node:path';
import { format, resolveConfig } from 'prettier';
import { ConfigError } from '../../libs/platform/src/config/settings';
import { catalogue } from './catalogue';
import { renderConfigurationMarkdown, renderEnvFile } from './render';
import { describeCatalogue } from './variables';

const repoRoot = join(__dirname, '..', '..');

/** A real start-up failure for the docs, so the example can never drift from the message format. */
function exampleConfigError(): string {
  const env = { CHAT_PORT: 'http', EVENT_BUS: 'kafka' };
  const problems = catalogue.flatMap(({ load }) => {
    try {
      load(env);
      return [];
    } catch (error) {
      if (error instanceof ConfigError) return error.problems;
      throw error;
    }
  });
  return new ConfigError(problems).message;
}

/** Formatted as `npm run format` would, so formatting the repository never makes the docs drift. */
async function prettierFormatted(path: string, content: string): Promise<string> {
  return format(content, { ...(await resolveConfig(path)), filepath: path });
}

/** The files generated from the settings catalogue: absolute path and expected content. */
export async function generatedFiles(): Promise<{ path: string; content: string }[]> {
  const groups = describeCatalogue(catalogue);
  const markdown = join(repoRoot, 'docs', 'configuration.md');
  return [
    { path: join(repoRoot, '.env'), content: renderEnvFile(groups) },
    {
      path: markdown,
      content: await prettierFormatted(markdown, renderConfigurationMarkdown(groups, exampleConfigError())),
    },
  ];
}
