// Imported first by main.ts: the SDK must patch http, express, Nest and the clients before
// anything requires them. Does nothing unless OTEL_EXPORTER_OTLP_ENDPOINT is set.
import { startTelemetry } from '@playlist-chat/platform/telemetry';

// A bad telemetry setting leaves tracing off here, at import, where its ConfigError would end the
// process with a stack trace: the app's start-up names it with its other settings (exit 1).
startTelemetry({ service: 'presence-server', settingsCheckedLater: true });
