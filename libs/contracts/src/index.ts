export * from './events';
export * from './chat-message';
