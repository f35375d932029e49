/** Where STOMP over WebSocket is served. */
export const WS_PATH = '/ws-chat';
