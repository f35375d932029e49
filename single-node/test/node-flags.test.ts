import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NODE_FLAGS } from '../src/node-flags';
import { repoRoot } from './support/repo-root';

const read = (file: string) => readFileSync(join(repoRoot, file), 'utf8');

// The flags are declared once (single-node/src/node-flags.ts); the two places that cannot import them must agree.
describe('the product runs with the Node flags of single-node/src/node-flags.ts everywhere', () => {
  it('npm start', () => {
    const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
    expect(scripts.start).toBe(`exec node ${NODE_FLAGS.join(' ')} single-node/dist/main.js`);
  });

  it('the image (every service of docker compose)', () => {
    const options = read('Dockerfile')
      .split('\n')
      .filter((line) => line.startsWith('ENV NODE_OPTIONS='));
    expect(options).toEqual([`ENV NODE_OPTIONS="${NODE_FLAGS.join(' ')}"`]);
    expect(read('docker-compose.yml')).not.toMatch(/NODE_OPTIONS/);
  });

  // NODE_OPTIONS refuses V8's own flags: each entry point sets them with its first import.
  it.each([
    'chat-server/src/main.ts',
    'presence-server/src/main.ts',
    'gateway/src/main.ts',
    'single-node/src/main.ts',
  ])('%s imports the V8 tuning before anything else', (entry) => {
    const imports = read(entry)
      .split('\n')
      .filter((line) => line.startsWith('import '));
    expect(imports[0]).toBe("import '@playlist-chat/platform/v8-tuning';");
  });
});
