/** Why a token was refused; `reason` is safe to show to the caller (401 body, STOMP ERROR). */
export class AuthError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'AuthError';
  }
}
