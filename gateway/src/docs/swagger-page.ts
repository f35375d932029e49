import { proxiedServices } from '../routing/routes';

/** One Swagger UI for every service: a drop-down switches between their OpenAPI documents. */
export const swaggerPage = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Playlist chat — API documentation</title>
  <link rel="stylesheet" href="/docs/ui/swagger-ui.css">
  <style>
    body { margin: 0; font-family: system-ui, sans-serif; }
    .docs-banner { margin: 0; padding: .75rem 1.25rem; background: #1f2a44; color: #fff; }
    .docs-banner a { color: #ffd166; }
  </style>
</head>
<body>
  <p class="docs-banner">REST APIs of every service are below (pick one at the top right).
    The real-time STOMP API over <code>/ws-chat</code> is described in
    <a href="/docs/asyncapi">AsyncAPI</a> (<a href="/docs/asyncapi.yaml">YAML</a>).</p>
  <div id="swagger-ui"></div>
  <script src="/docs/ui/swagger-ui-bundle.js"></script>
  <script src="/docs/ui/swagger-ui-standalone-preset.js"></script>
  <script src="/docs/swagger-initializer.js"></script>
</body>
</html>
`;

export const swaggerInitializer = `window.ui = SwaggerUIBundle({
  urls: ${JSON.stringify(proxiedServices.map((service) => ({ name: service, url: `/docs/openapi/${service}.json` })))},
  dom_id: '#swagger-ui',
  deepLinking: true,
  persistAuthorization: true,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
  plugins: [SwaggerUIBundle.plugins.DownloadUrl],
  layout: 'StandaloneLayout',
});
`;
