/** STOMP destinations of the chat API (see docs/api.md). */
export const ROOM_TOPIC_PREFIX = '/chat/topic/room/';
export const roomTopic = (roomId: string): string => `${ROOM_TOPIC_PREFIX}${roomId}`;
export const USER_EVENTS = '/user/queue/events';

export const roomIdOfTopic = (destination: string): string | null =>
  destination.startsWith(ROOM_TOPIC_PREFIX) ? destination.slice(ROOM_TOPIC_PREFIX.length) : null;
