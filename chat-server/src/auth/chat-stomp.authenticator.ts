import type { IncomingMessage } from 'node:http';
import { Injectable, Logger } from '@nestjs/common';
import { AllowedHosts, AuthError, TokenVerifier, TrustedProxies, unknownHost } from '@playlist-chat/platform';
import { StompAuthenticator, StompBroker, StompError, type UpgradeRefusal } from '@playlist-chat/stomp';
import { ChatConfig } from '../config/chat-config';
import type { ChatPrincipal } from './chat-principal';
import { clientAddress } from './client-address';
import { ConnectionCounter } from './connection-counter';
import { OriginPolicy } from './origin-policy';

/**
 * Identity and admission on `/ws-chat`. At the upgrade: the Host and Origin allow-lists and the
 * per-address cap (refusal = HTTP 403, logged by the STOMP library). At CONNECT: the access
 * token from the `Authorization` header (`Bearer <jwt>`) or `passcode`, and the per-user cap;
 * refusals are STOMP ERRORs (`unauthorized`, `too-many-connections`) and are logged here.
 */
@Injectable()
export class ChatStompAuthenticator extends StompAuthenticator<ChatPrincipal> {
  private readonly logger = new Logger('StompAdmission');
  private readonly origins: OriginPolicy;
  private readonly proxies: TrustedProxies;

  constructor(
    private readonly verifier: TokenVerifier,
    private readonly broker: StompBroker,
    private readonly addresses: ConnectionCounter,
    private readonly config: ChatConfig,
    private readonly hosts: AllowedHosts,
  ) {
    super();
    this.origins = new OriginPolicy(config.chat.allowedOrigins);
    this.proxies = new TrustedProxies(config.chat.trustedProxies);
  }

  /**
   * Admits the socket and counts it against its address from now until it closes, whether or
   * not it ever sends CONNECT: sockets that only sit there hold resources too.
   */
  override checkUpgrade(request: IncomingMessage): string | UpgradeRefusal | undefined {
    const hostProblem = this.hosts.problem(request);
    // As the HTTP side answers it: 421 unknown-host, with the same body.
    if (hostProblem !== undefined)
      return { reason: hostProblem, status: 421, body: unknownHost(hostProblem) };
    const origin = request.headers.origin;
    if (!this.origins.allows(origin)) return `origin ${quoted(origin)} is not allowed`;
    const address = clientAddress(request, this.proxies);
    const max = this.config.chat.maxConnectionsPerAddress;
    if (this.addresses.count(address) >= max)
      return `address ${address} already has ${max} connections (CHAT_MAX_CONNECTIONS_PER_ADDRESS)`;
    this.addresses.opened(address);
    request.socket.once('close', () => this.addresses.closed(address));
    return undefined;
  }

  async authenticate(
    headers: Readonly<Record<string, string>>,
    request: IncomingMessage,
  ): Promise<ChatPrincipal> {
    const address = clientAddress(request, this.proxies);
    const authorization = headers.Authorization ?? headers.authorization;
    const token = TokenVerifier.bearer(authorization) ?? (authorization || headers.passcode);
    let identity, validUntil;
    try {
      ({ identity, validUntil } = await this.verifier.verifyForSession(token));
    } catch (error) {
      if (!(error instanceof AuthError)) throw error;
      this.logger.warn(`CONNECT refused from ${address}: ${error.reason}`);
      throw new StompError('unauthorized', error.reason);
    }
    const max = this.config.chat.maxConnectionsPerUser;
    if (this.broker.sessionsOfUser(identity.uid).length >= max) {
      this.logger.warn(`CONNECT refused for ${identity.uid} from ${address}: already ${max} connections`);
      throw new StompError(
        'too-many-connections',
        `at most ${max} connections per user (CHAT_MAX_CONNECTIONS_PER_USER)`,
      );
    }
    return { identity, address, validUntil };
  }

  userKey(principal: ChatPrincipal): string {
    return principal.identity.uid;
  }
}

/** An Origin for the log: bounded, since it is the client's text. */
function quoted(origin: string | undefined): string {
  return JSON.stringify(origin?.slice(0, 80) ?? '');
}
