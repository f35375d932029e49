export * from './eventually';
export * from './free-port';
export * from './redis-server';
export * from './external-service';
export * from './tmpfs';
export * from './metric-sample';
