import { Injectable, Logger } from '@nestjs/common';
import type { MemberPresenceStatus } from '@playlist-chat/contracts';
import { injectTraceContext, ServiceRegistry, type ServiceInstance } from '@playlist-chat/platform';
import { ChatConfig } from '../config/chat-config';

/** Name the presence server registers under in discovery. */
export const PRESENCE_SERVER = 'presence-server';

/** Body of the presence server's `GET /internal/v1/presence/{roomId}`. */
export interface RoomPresenceSummary {
  readonly roomId: string;
  readonly roomExists: boolean;
  readonly memberCount: number;
  readonly onCount: number;
}

/** The presence server checks PRESENCE_INTERNAL_TOKEN in this header on `/internal/**`. */
export const INTERNAL_TOKEN_HEADER = 'x-internal-token';

/** A failing instance is followed by at most one other, so a lookup costs at most two timeouts. */
const MAX_ATTEMPTS = 2;
/** Failed lookups are logged at most this often (idle clean-up asks once per room per pass). */
const WARN_EVERY_MS = 30_000;

const isMemberStatus = (body: unknown): body is MemberPresenceStatus =>
  typeof body === 'object' && body !== null && typeof (body as MemberPresenceStatus).mayChat === 'boolean';

const isMemberList = (body: unknown): body is { members: { uid: string }[] } =>
  typeof body === 'object' && body !== null && Array.isArray((body as { members?: unknown }).members);

const isRoomSummary = (body: unknown): body is RoomPresenceSummary =>
  typeof body === 'object' && body !== null && typeof (body as RoomPresenceSummary).onCount === 'number';

/**
 * The presence server's internal API, over HTTP. Instances come from the ServiceRegistry
 * (healthy `presence-server` instances, taken in turn); each request has CHAT_PRESENCE_TIMEOUT_MS
 * and carries PRESENCE_INTERNAL_TOKEN when it is set. Every method answers `null` when no instance
 * could answer (a refused token included, logged like any failure): callers decide the fallback.
 */
@Injectable()
export class PresenceLookup {
  private readonly logger = new Logger(PresenceLookup.name);
  private turn = 0;
  private failuresSinceWarning = 0;
  private lastWarningAt = 0;
  private readonly headers: Record<string, string>;

  constructor(
    private readonly registry: ServiceRegistry,
    private readonly config: ChatConfig,
  ) {
    const token = config.platform.presenceInternalToken;
    this.headers = token ? { [INTERNAL_TOKEN_HEADER]: token } : {};
  }

  memberStatus(roomId: string, uid: string): Promise<MemberPresenceStatus | null> {
    return this.get(
      `/internal/v1/presence/${encodeURIComponent(roomId)}/members/${encodeURIComponent(uid)}`,
      isMemberStatus,
    );
  }

  /** Uids of the room's members whose state is off (push notifications). */
  async offMembers(roomId: string): Promise<string[] | null> {
    const list = await this.get(`/internal/v1/presence/${encodeURIComponent(roomId)}/off`, isMemberList);
    return list && list.members.map((member) => member.uid);
  }

  roomSummary(roomId: string): Promise<RoomPresenceSummary | null> {
    return this.get(`/internal/v1/presence/${encodeURIComponent(roomId)}`, isRoomSummary);
  }

  private async get<T>(path: string, isValid: (body: unknown) => body is T): Promise<T | null> {
    let instances: ServiceInstance[];
    try {
      instances = await this.registry.healthy(PRESENCE_SERVER);
    } catch (error) {
      this.failed(`discovery of ${PRESENCE_SERVER} failed: ${String(error)}`);
      return null;
    }
    if (instances.length === 0) {
      this.failed(`no healthy ${PRESENCE_SERVER} instance is registered`);
      return null;
    }
    const first = this.turn++ % instances.length;
    for (let attempt = 0; attempt < Math.min(MAX_ATTEMPTS, instances.length); attempt++) {
      const { host, port } = instances[(first + attempt) % instances.length];
      const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}${path}`;
      try {
        const response = await fetch(url, {
          // fetch (undici) is not instrumented: the trace goes on into the presence server through this header.
          headers: { ...this.headers, ...injectTraceContext() },
          signal: AbortSignal.timeout(this.config.chat.presenceTimeoutMs),
        });
        if (!response.ok) {
          await response.body?.cancel();
          throw new Error(`HTTP ${response.status}`);
        }
        const body: unknown = await response.json();
        if (!isValid(body)) throw new Error('unexpected response body');
        return body;
      } catch (error) {
        this.failed(`GET ${url} failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    return null;
  }

  private failed(reason: string): void {
    this.failuresSinceWarning += 1;
    const now = Date.now();
    if (now - this.lastWarningAt < WARN_EVERY_MS) return;
    this.logger.warn(
      `presence lookup failed (${this.failuresSinceWarning} since the last warning): ${reason}`,
    );
    this.lastWarningAt = now;
    this.failuresSinceWarning = 0;
  }
}
