import { Body, Controller, Get, Module, Param, Post, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Type } from 'class-transformer';
import { IsInt, IsNotEmpty, IsString, Min, ValidateNested } from 'class-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CatalogueError,
  createValidationPipe,
  useRestConventions,
  type ErrorCatalogue,
  type FieldProblem,
} from '@playlist-chat/platform';

const SHELF_ERRORS = {
  'unknown-shelf': { status: 404, message: 'shelf not found' },
  'shelf-full': { status: 409, message: 'the shelf is full' },
} as const satisfies ErrorCatalogue;

type ShelfErrorCode = keyof typeof SHELF_ERRORS;

/** An app's own catalogue, declared the way the chat and presence servers declare theirs. */
class ShelfError extends CatalogueError<ShelfErrorCode> {
  constructor(code: ShelfErrorCode, message?: string, fields?: readonly FieldProblem[]) {
    super(SHELF_ERRORS, code, message, fields);
  }
}

class BookDto {
  @IsString()
  @IsNotEmpty()
  title!: string;

  @IsInt()
  @Min(1)
  pages!: number;
}

class ShelveDto {
  @IsString()
  shelf!: string;

  @ValidateNested()
  @Type(() => BookDto)
  book!: BookDto;
}

@Controller('shelves')
class ShelvesController {
  readonly shelved: ShelveDto[] = [];

  @Post()
  shelve(@Body() body: ShelveDto): { shelved: number } {
    if (body.shelf === 'full')
      throw new ShelfError('shelf-full', undefined, [{ field: 'shelf', reason: 'no room left' }]);
    this.shelved.push(body);
    return { shelved: this.shelved.length };
  }

  @Get('broken')
  broken(): never {
    throw new Error('secret detail of a bug');
  }

  @Get(':id')
  get(@Param('id') id: string): never {
    throw new ShelfError('unknown-shelf', `shelf ${id} not found`);
  }

  /** Reads one key of the body, and no query. */
  @Post(':id/label')
  label(@Param('id') id: string, @Body('label') label: string): { id: string; label: string } {
    return { id, label };
  }
}

@Module({ controllers: [ShelvesController] })
class ShelvesModule {}

describe('REST refusals: createValidationPipe and useRestConventions (CatalogueErrorFilter, DeclaredInputGuard)', () => {
  let app: INestApplication;
  let url: string;

  beforeAll(async () => {
    app = await NestFactory.create(ShelvesModule, { logger: false });
    useRestConventions(app, { jsonBodies: true });
    app.useGlobalPipes(createValidationPipe());
    await app.listen(0, '127.0.0.1');
    url = await app.getUrl();
  });

  afterAll(async () => {
    await app?.close();
  });

  const send = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  it('accepts a valid body, converted to its DTO', async () => {
    const response = await send('POST', '/shelves', { shelf: 'a', book: { title: 'Dune', pages: 412 } });

    expect(response).toEqual({ status: 201, body: { shelved: 1 } });
  });

  it('answers a broken body with 400 naming each field, nested ones by dotted path', async () => {
    const response = await send('POST', '/shelves', { shelf: 7, book: { title: '', pages: '412' } });

    expect(response.status).toBe(400);
    expect(response.body).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      code: 'invalid-payload',
      message: expect.any(String),
      errors: expect.arrayContaining([
        { field: 'shelf', reason: 'shelf must be a string' },
        { field: 'book.title', reason: 'title should not be empty' },
        { field: 'book.pages', reason: 'pages must be an integer number' },
      ]),
    });
    // The message lists the same problems, for clients that show one line.
    expect(response.body.message).toContain('book.title: title should not be empty');
    expect(response.body.message).toContain('book.pages: pages must be an integer number');
  });

  it('refuses unknown fields instead of dropping them', async () => {
    const response = await send('POST', '/shelves', {
      shelf: 'a',
      book: { title: 'Dune', pages: 1 },
      owner: 'mallory',
    });

    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual([{ field: 'owner', reason: 'property owner should not exist' }]);
  });

  it('refuses __proto__ and constructor keys, which class-transformer would drop without a word', async () => {
    const before = (await send('POST', '/shelves', { shelf: 'a', book: { title: 'Dune', pages: 1 } })).body;
    // JSON.parse gives "__proto__" an own key, as body-parser does with a request's body.
    const bodies: [string, string][] = [
      ['{"shelf":"a","book":{"title":"Dune","pages":1},"__proto__":{"admin":true}}', '__proto__'],
      ['{"shelf":"a","book":{"title":"Dune","pages":1,"constructor":{"name":"x"}}}', 'book.constructor'],
    ];
    for (const [body, field] of bodies) {
      const response = await send('POST', '/shelves', JSON.parse(body));
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({
        code: 'invalid-payload',
        errors: [{ field, reason: `property ${field.split('.').pop()} should not exist` }],
      });
    }
    // Neither was shelved: the next good body is the very next one on the shelf.
    const after = (await send('POST', '/shelves', { shelf: 'a', book: { title: 'Dune', pages: 1 } })).body;
    expect(after.shelved).toBe((before.shelved as number) + 1);
  });

  it('turns a catalogue error into its status, code and message, with fields when it names some', async () => {
    expect(await send('GET', '/shelves/s-9')).toEqual({
      status: 404,
      body: { statusCode: 404, error: 'Not Found', code: 'unknown-shelf', message: 'shelf s-9 not found' },
    });
    expect(await send('POST', '/shelves', { shelf: 'full', book: { title: 'Dune', pages: 1 } })).toEqual({
      status: 409,
      body: {
        statusCode: 409,
        error: 'Conflict',
        code: 'shelf-full',
        message: 'the shelf is full',
        errors: [{ field: 'shelf', reason: 'no room left' }],
      },
    });
  });

  it('answers an unknown route with 404 not-found, in the same shape', async () => {
    expect(await send('GET', '/nowhere')).toEqual({
      status: 404,
      body: { statusCode: 404, error: 'Not Found', code: 'not-found', message: 'no route GET /nowhere' },
    });
  });

  it('answers an unexpected error with 500 internal-error and no detail', async () => {
    expect(await send('GET', '/shelves/broken')).toEqual({
      status: 500,
      body: {
        statusCode: 500,
        error: 'Internal Server Error',
        code: 'internal-error',
        message: 'internal server error',
      },
    });
  });

  it('lets a route that reads one body key take that key only, and no query', async () => {
    expect(await send('POST', '/shelves/s-1/label', { label: 'sci-fi' })).toEqual({
      status: 201,
      body: { id: 's-1', label: 'sci-fi' },
    });
    const extra = await send('POST', '/shelves/s-1/label?x=1', { label: 'sci-fi', colour: 'red' });
    expect(extra).toEqual({
      status: 400,
      body: {
        statusCode: 400,
        error: 'Bad Request',
        code: 'invalid-payload',
        message: 'x: property x should not exist; colour: property colour should not exist',
        errors: [
          { field: 'x', reason: 'property x should not exist' },
          { field: 'colour', reason: 'property colour should not exist' },
        ],
      },
    });
  });
});

describe('CatalogueError', () => {
  it('takes status and default message from its catalogue and is named after its class', () => {
    const error = new ShelfError('shelf-full');

    expect(error).toBeInstanceOf(CatalogueError);
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({
      name: 'ShelfError',
      code: 'shelf-full',
      status: 409,
      message: 'the shelf is full',
      fields: [],
    });
  });
});
