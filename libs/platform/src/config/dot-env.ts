import { existsSync, readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';

/**
 * Fills `env` in from a `.env` file (`npm start` reads the one at the repository root): each
 * variable the file sets that `env` lacks. The real environment wins, a variable set there to ''
 * included. No file, nothing to do; reading it again changes nothing.
 *
 * Synchronous and light (node:fs, node:util only), so an entry point calls it before it starts
 * telemetry, and OTEL_* variables written in `.env` reach the telemetry settings too.
 */
export function loadDotEnv(file: string, env: NodeJS.ProcessEnv = process.env): void {
  if (!existsSync(file)) return;
  for (const [name, value] of Object.entries(parseEnv(readFileSync(file, 'utf8')))) {
    if (env[name] === undefined) env[name] = value;
  }
}
