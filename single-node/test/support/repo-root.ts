import { join } from 'node:path';

/** The repository root, for tests that run the built product or write screenshots. */
export const repoRoot = join(__dirname, '..', '..', '..');
