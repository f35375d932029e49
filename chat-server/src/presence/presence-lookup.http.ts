import { Injectable } from '@nestjs/common';
import type { MemberPresenceStatus } from '@playlist-chat/contracts';
import {
  errorMessage,
  injectTraceContext,
  ServiceRegistry,
  type ServiceInstance,
} from '@playlist-chat/platform';
import { ChatConfig } from '../config/chat-config';
import { LookupFailures, PresenceLookup, type RoomPresenceSummary } from './presence-lookup.port';

/** Name the presence server registers under in discovery. */
export const PRESENCE_SERVER = 'presence-server';

/** The presence server checks PRESENCE_INTERNAL_TOKEN in this header on `/internal/**`. */
export const INTERNAL_TOKEN_HEADER = 'x-internal-token';

/** A failing instance is followed by at most one other, so a lookup costs at most two timeouts. */
const MAX_ATTEMPTS = 2;

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
export class HttpPresenceLookup extends PresenceLookup {
  private readonly failures = new LookupFailures();
  private turn = 0;
  private readonly headers: Record<string, string>;

  constructor(
    private readonly registry: ServiceRegistry,
    private readonly config: ChatConfig,
  ) {
    super();
    const token = config.platform.presenceInternalToken;
    this.headers = token ? { [INTERNAL_TOKEN_HEADER]: token } : {};
  }

  memberStatus(roomId: string, uid: string): Promise<MemberPresenceStatus | null> {
    return this.get(
      `/internal/v1/presence/${encodeURIComponent(roomId)}/members/${encodeURIComponent(uid)}`,
      isMemberStatus,
    );
  }

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
      this.failures.record(`discovery of ${PRESENCE_SERVER} failed: ${String(error)}`);
      return null;
    }
    if (instances.length === 0) {
      this.failures.record(`no healthy ${PRESENCE_SERVER} instance is registered`);
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
        this.failures.record(`GET ${url} failed: ${errorMessage(error)}`);
      }
    }
    return null;
  }
}
