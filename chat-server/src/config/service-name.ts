/** Name of this service in discovery and logs. */
export const CHAT_SERVICE = 'chat-server';
