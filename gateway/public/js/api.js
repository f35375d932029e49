/** A refusal from the server, with the message it gave (shown to the person as is). */
export class ApiError extends Error {
  constructor(status, body) {
    const message = Array.isArray(body?.message) ? body.message.join('; ') : body?.message;
    super(message || `The server answered ${status}.`);
    this.status = status;
    this.code = body?.code;
    this.fields = body?.errors;
  }
}

/** The REST API through the gateway. `session()` gives the current token; a 401 calls `onUnauthorized`. */
export function createApi(session, onUnauthorized) {
  /** The parsed body; with `paged`, `{ items, nextCursor }` where nextCursor comes from the X-Next-Cursor header. */
  async function request(method, path, body, { keepalive = false, paged = false } = {}) {
    const headers = { accept: 'application/json' };
    const token = session()?.token;
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response;
    try {
      response = await fetch(path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        keepalive,
      });
    } catch {
      throw new ApiError(0, {
        message: 'The server cannot be reached. Check your connection; the app keeps trying.',
      });
    }
    const text = await response.text();
    let data = null;
    try {
      data = text ? JSON.parse(text) : null;
    } catch {
      data = { message: text.slice(0, 200) };
    }
    if (!response.ok) {
      const error = new ApiError(response.status, data);
      if (response.status === 401 && token) onUnauthorized(error);
      throw error;
    }
    return paged ? { items: data, nextCursor: response.headers.get('x-next-cursor') } : data;
  }

  const query = (params) =>
    new URLSearchParams(
      Object.entries(params).filter(([, value]) => value !== undefined && value !== null),
    ).toString();

  return {
    devToken: (uid, nickName) => request('POST', '/v1/api/auth/dev-token', { uid, nickName }),
    joinedRooms: () => request('GET', '/v1/api/rooms/joined'),
    /** One page of live rooms (newest first): `{ items, nextCursor }`. */
    liveRooms: (cursor) =>
      request('GET', `/v1/api/rooms/unjoined?${query({ cursor })}`, undefined, { paged: true }),
    createRoom: (body) => request('POST', '/v1/api/rooms/create', body),
    room: (roomId) => request('GET', `/v1/api/rooms/${encodeURIComponent(roomId)}`),
    reentry: (roomId) => request('GET', `/v1/api/chat/api/v1/rooms/joined/${encodeURIComponent(roomId)}`),
    history: (roomId, before, size = 12) =>
      request('GET', `/v1/api/chat/history?${query({ roomId, before, size })}`),
    leave: (roomId, lastReadMessageId, options) =>
      request(
        'PUT',
        '/v1/api/rooms/leave',
        { roomId, ...(lastReadMessageId ? { lastReadMessageId } : {}) },
        options,
      ),
    exit: (roomId) => request('POST', `/v1/api/rooms/exit/${encodeURIComponent(roomId)}`),
    presenceOn: (roomId) => request('GET', `/api/v1/presence/${encodeURIComponent(roomId)}/on`),
    myPresence: (roomId) => request('GET', `/api/v1/presence/${encodeURIComponent(roomId)}/me`),
    setPresence: (roomId, state) => request('PATCH', `/api/v1/presence/${state}`, { roomId }),
  };
}
