// Imported first by main.ts: the SDK must patch http, express, Nest and the clients before
// anything requires them. Does nothing unless OTEL_EXPORTER_OTLP_ENDPOINT is set.
import { startTelemetry } from '@playlist-chat/platform/telemetry';

startTelemetry({ service: 'presence-server' });
