import { existsSync, readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';

/** A line of a `.env` file that Node reads differently from how it looks. */
export interface DotEnvProblem {
  /** The variable the line sets. */
  readonly name: string;
  /** 1-based. */
  readonly line: number;
  /** What is wrong and what to do; never the value. */
  readonly problem: string;
}

/**
 * Fills `env` in from a `.env` file (`npm start` reads the one at the repository root): each
 * variable the file sets that `env` lacks. The real environment wins, a variable set there to ''
 * included. No file, nothing to do; reading it again changes nothing.
 *
 * A line that Node reads differently from how it looks (see `dotEnvProblems`: a value cut at an
 * unquoted `#`, a quote left open) is loaded as Node reads it, and `warn` gets one line about it
 * (default: stderr), naming the file, the line and the variable, never the value. A warning, not
 * a refusal: both are legal syntax with legitimate uses (`KEY=value # note`, a multi-line PEM
 * block), and each setting's own rules refuse what cannot work (an AUTH_JWT_SECRET cut below 32
 * bytes, a URL cut in half). Returns the problems, for a caller that wants to refuse them.
 *
 * Synchronous and light (node:fs, node:util only), so an entry point calls it before it starts
 * telemetry, and OTEL_* variables written in `.env` reach the telemetry settings too.
 */
export function loadDotEnv(
  file: string,
  env: NodeJS.ProcessEnv = process.env,
  warn: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): DotEnvProblem[] {
  if (!existsSync(file)) return [];
  const text = readFileSync(file, 'utf8');
  const problems = dotEnvProblems(text);
  for (const { name, line, problem } of problems) warn(`${file} line ${line}: ${name}: ${problem}`);
  for (const [name, value] of Object.entries(parseEnv(text))) {
    if (env[name] === undefined) env[name] = value;
  }
  return problems;
}

/** `NAME=` (or `export NAME=`): the name, and the value as written (from just after the `=`). */
const ASSIGNMENT = /^\s*(?:export\s+)?([^\s=#][^=]*?)\s*=(.*)$/;
/**
 * A line that would set a variable, in a part of the file Node reads as some value. The `=` is
 * not followed by another, so a PEM block's base64 padding (`AB==`) is not taken for one.
 */
const SWALLOWED_ASSIGNMENT = /^\s*(?:export\s+)?([A-Za-z_][\w.]*)\s*=(?!=)/;
const QUOTES = new Set(['"', "'", '`']);

/**
 * The lines of a `.env` file (its text) that Node's parser (`util.parseEnv`, `--env-file`) reads
 * differently from how they look, in a way that suggests a mistake:
 * - an unquoted value with a `#` at its start or right after other text (`KEY=Kx9#mQ2…`): Node
 *   cuts the value there, as a comment (`KEY=value # note`, after a space, is taken as meant);
 * - a quote that opens a value and is not closed on its line: never closed (the value keeps the
 *   quote), or closed only lines later, so the variables set on the lines between are part of
 *   this value and are not set. A quoted value over several lines with no such line in it (a
 *   PEM block) is taken as meant.
 * Lines Node reads as part of a multi-line value are not checked as assignments.
 */
export function dotEnvProblems(text: string): DotEnvProblem[] {
  const lines = text.split(/\r?\n/);
  const problems: DotEnvProblem[] = [];
  for (let index = 0; index < lines.length; index++) {
    const match = ASSIGNMENT.exec(lines[index]);
    if (!match) continue;
    const [, name, written] = match;
    const add = (problem: string) => problems.push({ name, line: index + 1, problem });
    const value = written.trimStart();
    const quote = value[0];
    if (QUOTES.has(quote)) {
      if (value.indexOf(quote, 1) > 0) continue;
      const closedAt = lines.findIndex((line, at) => at > index && line.includes(quote));
      if (closedAt < 0) {
        add(
          `the ${quote} that opens the value is never closed, so it is read as part of the value: close it`,
        );
        continue;
      }
      const swallowed = lines
        .slice(index + 1, closedAt + 1)
        .map((line, at) => (at === closedAt - index - 1 ? line.slice(0, line.indexOf(quote)) : line))
        .flatMap((line) => SWALLOWED_ASSIGNMENT.exec(line)?.[1] ?? []);
      if (swallowed.length > 0)
        add(
          `the ${quote} that opens the value is closed only on line ${closedAt + 1}: ${swallowed.join(', ')} on the lines up to it are part of this value, not set; close the quote on line ${index + 1}`,
        );
      index = closedAt; // Node goes on after the line that closes the value
      continue;
    }
    const hash = written.indexOf('#');
    if (hash >= 0 && (hash === 0 || !/\s/.test(written[hash - 1])))
      add(
        `an unquoted # starts a comment: the value is cut there; quote the value (${name}='…') if the # is part of it, or put a space before a comment`,
      );
  }
  return problems;
}
