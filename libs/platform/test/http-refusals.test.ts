import { Body, Controller, Get, Module, Param, Post, Query, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Type } from 'class-transformer';
import { IsInt, IsNotEmpty, IsOptional, IsString, Min, ValidateNested } from 'class-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CatalogueError,
  createValidationPipe,
  QueryInteger,
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

class ShelfListQuery {
  @IsOptional()
  @QueryInteger(1)
  size?: number;
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

  @Get()
  list(@Query() query: ShelfListQuery): { size: number | undefined } {
    return { size: query.size };
  }

  /** A literal path that `GET :id` below also matches. */
  @Post('new')
  create(): { created: true } {
    return { created: true };
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

  /** What `send` cannot: a body as bytes, or headers of the test's choosing. */
  const sendRaw = async (method: string, path: string, body: string | Buffer | undefined, headers = {}) => {
    const response = await fetch(`${url}${path}`, { method, headers, body });
    return {
      status: response.status,
      allow: response.headers.get('allow'),
      body: (await response.json()) as Record<string, unknown>,
    };
  };
  const shelf = JSON.stringify({ shelf: 'a', book: { title: 'Dune', pages: 412 } });

  it('refuses a JSON body in any charset but UTF-8 with 415 naming the charset, before it is decoded', async () => {
    const utf16 = Buffer.from(shelf, 'utf16le');
    const utf32 = Buffer.from([...shelf].flatMap((char) => [char.charCodeAt(0), 0, 0, 0]));
    const cases: [string, Buffer][] = [
      ['utf-16', utf16],
      ['UTF-16LE', utf16],
      ['"utf-16"', utf16],
      ['utf-32', utf32],
      ['utf-16', Buffer.from(shelf)], // UTF-8 bytes under a UTF-16 label
      ['latin1', Buffer.from(shelf, 'latin1')],
    ];
    for (const [charset, body] of cases) {
      const answer = await sendRaw('POST', '/shelves', body, {
        'content-type': `application/json; charset=${charset}`,
      });
      expect(answer, charset).toEqual({
        status: 415,
        allow: null,
        body: {
          statusCode: 415,
          error: 'Unsupported Media Type',
          code: 'unsupported-media-type',
          message: `a JSON body must be UTF-8 (charset utf-8), not ${charset.replace(/"/g, '')}`,
        },
      });
    }
    // A second charset parameter cannot slip a UTF-16 label past the first.
    const twice = await sendRaw('POST', '/shelves', Buffer.from(shelf), {
      'content-type': 'application/json; charset=utf-8; charset=utf-16',
    });
    expect(twice.status).toBe(415);
  });

  it('takes a JSON body labelled utf-8, utf8 or us-ascii (a subset of UTF-8), or not labelled', async () => {
    for (const type of [
      'application/json',
      'application/json; charset=utf-8',
      'application/json;charset=UTF-8',
      'application/json; charset="utf-8"',
      'application/json; charset=utf8',
      'application/json; charset=US-ASCII',
    ]) {
      const answer = await sendRaw('POST', '/shelves', shelf, { 'content-type': type });
      expect(answer.status, type).toBe(201);
    }
  });

  it('refuses a body that is JSON but not an object or array with 400 invalid-payload naming body', async () => {
    for (const [body, kind] of [
      ['null', 'null'],
      [' 0', 'a number'],
      ['"x"', 'a string'],
      ['true', 'a boolean'],
    ]) {
      const answer = await sendRaw('POST', '/shelves', body, { 'content-type': 'application/json' });
      const reason = `must be a JSON object or array, not ${kind}`;
      expect(answer, body).toEqual({
        status: 400,
        allow: null,
        body: {
          statusCode: 400,
          error: 'Bad Request',
          code: 'invalid-payload',
          message: `body: ${reason}`,
          errors: [{ field: 'body', reason }],
        },
      });
    }
    // What is not JSON at all stays invalid-json.
    const broken = await sendRaw('POST', '/shelves', 'nul', { 'content-type': 'application/json' });
    expect(broken.body).toMatchObject({ statusCode: 400, code: 'invalid-json' });
  });

  it('names what was sent when a body is not JSON, a bogus content type and none included', async () => {
    const message = (what: string) => `a request body must be JSON (content-type application/json), ${what}`;
    expect((await sendRaw('POST', '/shelves', shelf, { 'content-type': ';;;' })).body).toMatchObject({
      code: 'unsupported-media-type',
      message: message('not ";;;"'),
    });
    expect((await sendRaw('POST', '/shelves', Buffer.from(shelf))).body).toMatchObject({
      code: 'unsupported-media-type',
      message: message('and this one has no content-type'),
    });
  });

  it('governs a path that a literal route matches by the literal routes, not by a parameter route', async () => {
    // `GET /shelves/:id` matches /shelves/new too; `POST /shelves/new` is the route of that path.
    for (const method of ['GET', 'HEAD', 'DELETE']) {
      const response = await fetch(`${url}/shelves/new`, { method });
      expect(response.status, method).toBe(405);
      expect(response.headers.get('allow'), method).toBe('POST');
    }
    expect(await sendRaw('GET', '/shelves/new', undefined)).toEqual({
      status: 405,
      allow: 'POST',
      body: {
        statusCode: 405,
        error: 'Method Not Allowed',
        code: 'method-not-allowed',
        message: 'GET is not allowed on /shelves/new (allowed: POST)',
      },
    });
    expect((await sendRaw('POST', '/shelves/new', undefined)).status).toBe(201);
    expect((await sendRaw('GET', '/shelves/s-2', undefined)).body).toMatchObject({ code: 'unknown-shelf' });
  });

  it('reads a query integer of any length in decimal digits, so that a bound can refuse a long one', async () => {
    expect((await sendRaw('GET', '/shelves?size=0000000000000000000007', undefined)).body).toEqual({
      size: 7,
    });
    expect((await sendRaw('GET', '/shelves?size=99999999999999999999999', undefined)).body).toEqual({
      size: Number.MAX_SAFE_INTEGER,
    });
    expect((await sendRaw('GET', '/shelves?size=1e3', undefined)).body).toMatchObject({
      code: 'invalid-payload',
      errors: [{ field: 'size', reason: 'size must be a whole number from 1, in decimal digits' }],
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
