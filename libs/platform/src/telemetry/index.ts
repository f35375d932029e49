// The one light module an entry point imports before anything else (see start-telemetry.ts):
// it also offers the .env loader, since .env must be read before telemetry starts.
export { loadDotEnv } from '../config/dot-env';
export * from './start-telemetry';
export * from './telemetry.settings';
export * from './trace-context';
