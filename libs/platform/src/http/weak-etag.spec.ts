import { createRequire } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { weakEtag } from './weak-etag';

// Express's own generator: the `etag` package with { weak: true } on the body as a Buffer.
const expressRequire = createRequire(require.resolve('express'));
const etag = expressRequire('etag') as (entity: Buffer, options: { weak: boolean }) => string;
const expressTag = (body: string | Buffer, encoding: BufferEncoding = 'utf8') =>
  etag(Buffer.isBuffer(body) ? body : Buffer.from(body, encoding), { weak: true });

describe('weakEtag', () => {
  it('gives the tag Express gives, for strings and buffers', () => {
    for (const body of [
      '',
      '{}',
      '{"hello":"wörld 🎵"}',
      'x'.repeat(70_000),
      Buffer.alloc(0),
      Buffer.from([0, 255, 7]),
    ])
      expect(weakEtag(body, 'utf8')).toBe(expressTag(body));
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (body) => {
        expect(weakEtag(body, 'utf8')).toBe(expressTag(body));
      }),
    );
  });

  it('turns a string in another encoding into its bytes first', () => {
    expect(weakEtag('café', 'latin1')).toBe(expressTag('café', 'latin1'));
    expect(weakEtag('café', 'latin1')).not.toBe(weakEtag('café', 'utf8'));
  });
});
