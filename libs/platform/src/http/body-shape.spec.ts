import { describe, expect, it } from 'vitest';
import { bodyShapeProblem } from './body-shape';

const nested = (levels: number): unknown => {
  let value: unknown = 'leaf';
  for (let i = 0; i < levels; i++) value = i % 2 ? [value] : { child: value };
  return value;
};

const tooDeep = { field: 'body', reason: 'is nested deeper than 32 levels' };

describe('bodyShapeProblem', () => {
  it('counts objects and arrays, not scalars', () => {
    expect(bodyShapeProblem('text', 0)).toBeNull();
    expect(bodyShapeProblem(nested(32), 32)).toBeNull();
    expect(bodyShapeProblem(nested(33), 32)).toEqual(tooDeep);
  });

  it('walks 100,000 levels without overflowing the stack', () => {
    expect(bodyShapeProblem(nested(100_000), 32)).toEqual(tooDeep);
  });

  it('names an own __proto__ or constructor key by its path, at any depth', () => {
    // JSON.parse makes "__proto__" an own data property, as a request body would.
    expect(bodyShapeProblem(JSON.parse('{"a":1,"__proto__":{"admin":true}}'))).toEqual({
      field: '__proto__',
      reason: 'property __proto__ should not exist',
    });
    expect(bodyShapeProblem(JSON.parse('{"playlist":{"musics":[{},{},{"constructor":"x"}]}}'))).toEqual({
      field: 'playlist.musics.2.constructor',
      reason: 'property constructor should not exist',
    });
  });

  it('names a text holding an unpaired surrogate, and leaves paired ones (emoji) alone', () => {
    expect(bodyShapeProblem(JSON.parse('{"roomId":"r","content":"x\\ud800y"}'))).toEqual({
      field: 'content',
      reason: 'content must be well-formed Unicode (it holds an unpaired surrogate)',
    });
    expect(bodyShapeProblem(JSON.parse('{"playlist":{"musics":[{"title":"a\\udc00"}]}}'))).toEqual({
      field: 'playlist.musics.0.title',
      reason: 'title must be well-formed Unicode (it holds an unpaired surrogate)',
    });
    expect(bodyShapeProblem({ content: '🎵 \ud83c\udfb5 é' })).toBeNull();
  });

  it('leaves ordinary bodies, inherited keys and such words as values alone', () => {
    expect(
      bodyShapeProblem({ content: '__proto__', tags: ['constructor'], nested: { prototype: 1 } }),
    ).toBeNull();
    expect(bodyShapeProblem(Object.create({ constructor: 1 }))).toBeNull();
  });
});
