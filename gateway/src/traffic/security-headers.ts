import helmet from 'helmet';
import type { RequestHandler } from 'express';

/**
 * Security headers on every gateway response (helmet's policy): a Content-Security-Policy the web
 * client and the docs pages work under — scripts only from here, no framing, pictures from any
 * http(s) URL since profile images live elsewhere, WebSockets back to this origin; inline styles
 * are allowed for the docs pages' `<style>` blocks — plus `X-Content-Type-Options: nosniff`, a
 * strict referrer policy, and no `X-Powered-By`.
 *
 * The values are helmet's, worked out once (`securityHeaderValues`), and set as they are on each
 * response: they never change from one request to the next, and helmet's twelve middlewares per
 * request cost a proxied request ~15 µs of the gateway's ~240 (docs/performance.md, "The tenth
 * round").
 */
export function securityHeaders(values = securityHeaderValues()): RequestHandler {
  const headers = Object.entries(values);
  return (_request, response, next) => {
    for (const [name, value] of headers) response.setHeader(name, value);
    response.removeHeader('x-powered-by');
    next();
  };
}

function helmetPolicy(): RequestHandler {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:', 'https:', 'http:'],
        connectSrc: ["'self'", 'ws:', 'wss:'],
        fontSrc: ["'self'", 'data:'],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    // The web client loads nothing cross-origin that would need CORP/COEP opt-ins.
    crossOriginEmbedderPolicy: false,
  }) as RequestHandler;
}

/**
 * The headers helmet's policy sets, as name → value: for every response (`securityHeaders`) and
 * for the answers written straight to a socket where no Express response exists (a refused
 * WebSocket upgrade, what Node's HTTP parser refuses). Computed once by running helmet on a
 * stand-in response, so they never drift apart.
 */
export function securityHeaderValues(): Readonly<Record<string, string>> {
  const values: Record<string, string> = {};
  const response = {
    setHeader: (name: string, value: string | number | readonly string[]) => {
      values[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    },
    removeHeader: (name: string) => delete values[name.toLowerCase()],
    getHeader: (name: string) => values[name.toLowerCase()],
  };
  helmetPolicy()({ headers: {} } as never, response as never, () => undefined);
  return values;
}
