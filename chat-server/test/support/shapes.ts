/** Response bodies as the API documents them, so tests read typed fields. */
export type { ChatMessage } from '@playlist-chat/contracts';
export type {
  ExitResultView,
  LeaveResultView,
  RoomSummaryView,
  RoomView,
} from '../../src/rooms/dto/room.views';
export type { FullHistoryView, MessagePageView, ReentryView } from '../../src/messages/dto/message.views';
export type { UserEvent } from '../../src/delivery/user-events';

export interface ErrorBody {
  readonly statusCode: number;
  readonly error: string;
  readonly code?: string;
  readonly message: string;
  readonly errors?: { field: string; reason: string }[];
}

export const fieldsOf = (body: unknown): string[] =>
  ((body as ErrorBody).errors ?? []).map((error) => error.field);
