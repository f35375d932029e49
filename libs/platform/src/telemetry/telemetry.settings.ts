import { setting, type SettingsOf } from '../config/settings';

/** Tracing: off unless a collector is named, so a process without one pays nothing for it. */
export const telemetrySettings = {
  otlpEndpoint: setting.string(
    'OTEL_EXPORTER_OTLP_ENDPOINT',
    '',
    'OpenTelemetry collector base URL (OTLP over HTTP, e.g. http://otel-collector:4318): spans are exported there; empty: tracing is not started at all',
    { pattern: /^(https?:\/\/\S+)?$/, hint: 'an http:// or https:// URL' },
  ),
  serviceName: setting.string(
    'OTEL_SERVICE_NAME',
    '',
    'service.name on exported spans (empty: the app started, e.g. chat-server; npm start: playlist-chat)',
  ),
  exportDelayMs: setting.int(
    'OTEL_BSP_SCHEDULE_DELAY',
    5_000,
    'Longest time a finished span waits before it is exported in a batch (milliseconds)',
    { min: 10, max: 60_000 },
  ),
};

export type TelemetrySettings = SettingsOf<typeof telemetrySettings>;
