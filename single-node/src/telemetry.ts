// Imported first by main.ts (and by gateway-thread.ts): the SDK must patch http, express, Nest
// and the clients before anything requires them. Does nothing unless OTEL_EXPORTER_OTLP_ENDPOINT
// is set, in the environment or in .env.
import { join } from 'node:path';
import { isMainThread } from 'node:worker_threads';
import { loadDotEnv, startTelemetry } from '@playlist-chat/platform/telemetry';

// `.env` at the repository root (two folders up from single-node/dist) fills in what the real
// environment does not set, before the telemetry settings are read, so OTEL_* written there
// trace this thread too. The gateway's thread gets the result with this thread's environment.
if (isMainThread) loadDotEnv(join(__dirname, '..', '..', '.env'));

// On the main thread a bad telemetry setting leaves tracing off here: main.ts checks the
// telemetry settings with the others before anything starts and names it with them (exit 1).
startTelemetry({ service: 'playlist-chat', settingsCheckedLater: isMainThread });
