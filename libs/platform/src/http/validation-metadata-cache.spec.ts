import 'reflect-metadata';
import { getMetadataStorage, IsInt, IsString, validate } from 'class-validator';
import { describe, expect, it } from 'vitest';
import { cacheValidationMetadata } from './validation-metadata-cache';

/** The properties `validate` complains about, in order. */
async function refused(object: object): Promise<string[]> {
  return (await validate(object, { forbidUnknownValues: true })).map((error) => error.property);
}

describe('cacheValidationMetadata', () => {
  cacheValidationMetadata();
  cacheValidationMetadata(); // a second install changes nothing

  class Base {
    @IsString() name: unknown = 1;
  }
  class Child extends Base {
    @IsInt() count: unknown = 'many';
  }

  it('answers the same rules as before, own and inherited, and keeps the answer', async () => {
    expect(await refused(new Child())).toEqual(['count', 'name']);
    expect(await refused(new Child())).toEqual(['count', 'name']);
    const storage = getMetadataStorage();
    const first = storage.getTargetValidationMetadatas(Child, '', false, false);
    expect(first.map((rule) => rule.propertyName).sort()).toEqual(['count', 'name']);
    expect(storage.getTargetValidationMetadatas(Child, '', false, false)).toBe(first);
  });

  it('keeps answers per option set: groups select their own rules', async () => {
    class Grouped {
      @IsInt({ groups: ['strict'] }) level: unknown = 'high';
      @IsString() label: unknown = 2;
    }
    const refusedWith = async (groups: string[]) =>
      (await validate(new Grouped(), { groups, strictGroups: true })).map((error) => error.property);
    expect(await refusedWith([])).toEqual(['label']);
    expect(await refusedWith(['strict'])).toEqual(['level']);
    expect(await refusedWith([])).toEqual(['label']);
    expect(await refused(new Grouped())).toEqual(['level', 'label']);
  });

  it('sees a rule registered after the class was validated', async () => {
    class Late {
      @IsString() title: unknown = 'fine';
      size: unknown = 'big';
    }
    expect(await refused(new Late())).toEqual([]);
    IsInt()(Late.prototype, 'size');
    expect(await refused(new Late())).toEqual(['size']);
  });

  it('gives a subclass declared later its parent rules', async () => {
    expect(await refused(new Base())).toEqual(['name']);
    class Later extends Base {
      @IsInt() extra: unknown = 1;
    }
    expect(await refused(new Later())).toEqual(['name']);
  });
});
