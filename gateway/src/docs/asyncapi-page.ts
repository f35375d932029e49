/**
 * A plain, readable HTML view of an AsyncAPI 3.0 document: servers, then every operation with
 * its destination, messages and payload fields, then the document's error catalogue. It reads
 * only what our document uses (local `$ref`s, object/array/scalar schemas, `oneOf`), which
 * keeps the page free of third-party renderers.
 */
type Node = Record<string, unknown>;

const isNode = (value: unknown): value is Node =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Scalars as written; anything else as JSON (never "[object Object]"). */
const text = (value: unknown): string => {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
    return String(value);
  return JSON.stringify(value);
};

const escapeHtml = (value: unknown): string =>
  text(value).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

class Renderer {
  constructor(private readonly doc: Node) {}

  resolve(value: unknown): Node {
    if (!isNode(value)) return {};
    const ref = value.$ref;
    if (typeof ref !== 'string') return value;
    if (!ref.startsWith('#/')) throw new Error(`only local $ref are supported, got ${ref}`);
    let node: unknown = this.doc;
    for (const part of ref.slice(2).split('/')) {
      const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
      node = isNode(node) ? node[key] : undefined;
    }
    if (!isNode(node)) throw new Error(`$ref ${ref} points nowhere`);
    return this.resolve(node);
  }

  page(): string {
    const info = this.resolve(this.doc.info);
    return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>${escapeHtml(info.title)} — AsyncAPI</title>
  <style>
    body { font: 16px/1.5 system-ui, sans-serif; margin: 0 auto; max-width: 60rem; padding: 1rem 1.5rem 4rem; color: #1b1f24; }
    h1, h2, h3 { line-height: 1.2; }
    code { background: #eef1f5; padding: 0 .25em; border-radius: 3px; }
    table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; font-size: .95rem; }
    th, td { text-align: left; border-bottom: 1px solid #d5dae1; padding: .35rem .5rem; vertical-align: top; }
    th { background: #f4f6f9; }
    section.op { border: 1px solid #d5dae1; border-radius: 8px; padding: 0 1rem .5rem; margin: 1rem 0; }
    .dir { display: inline-block; font-size: .8rem; font-weight: 600; padding: .1rem .5rem; border-radius: 999px; }
    .send { background: #dff3e4; color: #14532d; } .receive { background: #e0ecff; color: #1e3a8a; }
    pre { background: #f4f6f9; padding: .75rem; overflow-x: auto; border-radius: 6px; }
    nav a { margin-right: 1rem; }
  </style>
</head>
<body>
  <nav><a href="/docs">REST (Swagger UI)</a><a href="/docs/asyncapi.yaml">This document as YAML</a></nav>
  <h1>${escapeHtml(info.title)} <small>v${escapeHtml(info.version)}</small></h1>
  ${paragraphs(info.description)}
  <h2 id="servers">Servers</h2>
  ${this.servers()}
  <h2 id="operations">Operations</h2>
  ${this.operations()}
  ${this.errors()}
</body>
</html>
`;
  }

  private servers(): string {
    const rows = Object.entries(isNode(this.doc.servers) ? this.doc.servers : {}).map(([name, raw]) => {
      const server = this.resolve(raw);
      return `<tr><td>${escapeHtml(name)}</td><td><code>${escapeHtml(server.protocol)}://${escapeHtml(server.host)}${escapeHtml(server.pathname ?? '')}</code></td><td>${escapeHtml(server.description)}</td></tr>`;
    });
    return `<table><thead><tr><th>name</th><th>URL</th><th>description</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
  }

  private operations(): string {
    return Object.entries(isNode(this.doc.operations) ? this.doc.operations : {})
      .map(([name, raw]) => {
        const operation = this.resolve(raw);
        const channel = this.resolve(operation.channel);
        const received = operation.action === 'receive';
        const direction = received ? 'client → server: SEND' : 'server → client: MESSAGE, after SUBSCRIBE';
        const messages = (
          Array.isArray(operation.messages)
            ? operation.messages
            : Object.values(isNode(channel.messages) ? channel.messages : {})
        )
          .map((message) => this.message(this.resolve(message)))
          .join('');
        return `<section class="op" id="op-${escapeHtml(name)}">
  <h3><span class="dir ${received ? 'send' : 'receive'}">${direction}</span> <code>${escapeHtml(channel.address)}</code></h3>
  <p><strong>${escapeHtml(operation.summary ?? name)}</strong></p>
  ${paragraphs(operation.description)}
  ${paragraphs(channel.description)}
  ${this.parameters(channel.parameters)}
  ${messages}
</section>`;
      })
      .join('\n');
  }

  private parameters(raw: unknown): string {
    if (!isNode(raw) || Object.keys(raw).length === 0) return '';
    const rows = Object.entries(raw).map(
      ([name, value]) =>
        `<tr><td><code>{${escapeHtml(name)}}</code></td><td>${escapeHtml(this.resolve(value).description)}</td></tr>`,
    );
    return `<table><thead><tr><th>parameter</th><th>meaning</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
  }

  private message(message: Node): string {
    const headers = isNode(message.headers) ? this.fields(this.resolve(message.headers)) : '';
    const examples = Array.isArray(message.examples)
      ? message.examples
          .filter(isNode)
          .map(
            (example) =>
              `<pre>${escapeHtml(JSON.stringify(example.payload ?? example.headers, null, 2))}</pre>`,
          )
          .join('')
      : '';
    return `<h4>${escapeHtml(message.title ?? message.name)}</h4>
  ${paragraphs(message.summary)}${paragraphs(message.description)}
  ${headers ? `<p>STOMP headers</p>${headers}` : ''}
  <p>Body (JSON)</p>${this.fields(this.resolve(message.payload))}
  ${examples ? `<p>Example</p>${examples}` : ''}`;
  }

  /** A property table; nested objects show as dotted names, `oneOf` as alternatives. */
  private fields(schema: Node): string {
    const rows: string[] = [];
    const walk = (node: Node, prefix: string, required: readonly string[]) => {
      const properties = isNode(node.properties) ? node.properties : {};
      for (const [name, raw] of Object.entries(properties)) {
        const property = this.resolve(raw);
        const path = prefix ? `${prefix}.${name}` : name;
        rows.push(
          `<tr><td><code>${escapeHtml(path)}</code></td><td>${escapeHtml(typeOf(property))}</td><td>${required.includes(name) ? 'yes' : ''}</td><td>${escapeHtml(property.description)}${constraints(property)}</td></tr>`,
        );
        if (isNode(property.properties)) walk(property, path, stringList(property.required));
        const items = this.resolve(property.items);
        if (isNode(items.properties)) walk(items, `${path}[]`, stringList(items.required));
      }
    };
    if (Array.isArray(schema.oneOf)) {
      return schema.oneOf
        .map((alternative, i) => `<p>Variant ${i + 1}</p>${this.fields(this.resolve(alternative))}`)
        .join('');
    }
    walk(schema, '', stringList(schema.required));
    if (rows.length === 0) return `<p>${escapeHtml(typeOf(schema))} ${escapeHtml(schema.description)}</p>`;
    return `<table><thead><tr><th>field</th><th>type</th><th>required</th><th>meaning</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
  }

  private errors(): string {
    const catalogue = this.doc['x-stomp-errors'];
    if (!isNode(catalogue)) return '';
    const rows = Object.entries(catalogue).map(
      ([code, meaning]) =>
        `<tr><td><code>${escapeHtml(code)}</code></td><td>${escapeHtml(meaning)}</td></tr>`,
    );
    return `<h2 id="errors">Errors</h2>
  <p>A refused frame is answered with a STOMP <code>ERROR</code> frame whose <code>code</code> header is one of these
  (and <code>receipt-id</code> when the frame asked for a receipt); the server then closes the connection, as STOMP 1.2 requires.</p>
  <table><thead><tr><th>code</th><th>meaning</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
  }
}

function typeOf(schema: Node): string {
  if (schema.const !== undefined) return `"${text(schema.const)}"`;
  if (Array.isArray(schema.enum)) return schema.enum.map((value) => JSON.stringify(value)).join(' | ');
  const type = Array.isArray(schema.type) ? schema.type.map(text).join(' | ') : text(schema.type ?? 'any');
  if (type === 'array' && isNode(schema.items)) return `array of ${text(schema.items.type ?? 'object')}`;
  return schema.format ? `${type} (${text(schema.format)})` : type;
}

function constraints(schema: Node): string {
  const parts: string[] = [];
  if (schema.maxLength !== undefined) parts.push(`at most ${text(schema.maxLength)} characters`);
  if (schema.minLength !== undefined) parts.push(`at least ${text(schema.minLength)} characters`);
  if (schema.maximum !== undefined) parts.push(`at most ${text(schema.maximum)}`);
  return parts.length > 0 ? ` <em>(${escapeHtml(parts.join(', '))})</em>` : '';
}

const stringList = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];

function paragraphs(text: unknown): string {
  if (typeof text !== 'string' || text.trim() === '') return '';
  return text
    .trim()
    .split(/\n\s*\n/)
    .map((block) => `<p>${escapeHtml(block).replace(/`([^`]+)`/g, '<code>$1</code>')}</p>`)
    .join('\n');
}

export function renderAsyncApiPage(document: Record<string, unknown>): string {
  return new Renderer(document).page();
}
