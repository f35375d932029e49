export * from './start-telemetry';
export * from './telemetry.settings';
export * from './trace-context';
