import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Walks up from `start` to the first folder holding `marker`. */
function findUp(start: string, marker: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, marker))) return dir;
    if (dirname(dir) === dir) throw new Error(`no ${marker} above ${start}`);
  }
}

/** The gateway package folder, from its sources (tests) or its build output (`npm start`) alike. */
export const gatewayRoot = findUp(__dirname, 'package.json');
export const repoRoot = dirname(gatewayRoot);

export const webClientDir = join(gatewayRoot, 'public');
export const asyncApiFile = join(repoRoot, 'docs', 'asyncapi.yaml');

/** A package's folder in node_modules (npm workspaces hoist to the repo root; a local copy wins). */
export function packageDir(name: string): string {
  for (const base of [gatewayRoot, repoRoot]) {
    const dir = join(base, 'node_modules', name);
    if (existsSync(join(dir, 'package.json'))) return dir;
  }
  throw new Error(`package ${name} is not installed (run npm install)`);
}
