import type { ChatMessage } from '@playlist-chat/contracts';

/** Real HTTP against a started server, with the caller's token. */
export interface ApiResponse<T = unknown> {
  readonly status: number;
  readonly body: T;
  readonly headers: Headers;
}

export class Api {
  constructor(
    readonly baseUrl: string,
    readonly token?: string,
  ) {}

  as(token: string | undefined): Api {
    return new Api(this.baseUrl, token);
  }

  /** The same caller against another server (e.g. after a restart). */
  at(baseUrl: string): Api {
    return new Api(baseUrl, this.token);
  }

  get<T = unknown>(path: string): Promise<ApiResponse<T>> {
    return this.request('GET', path);
  }

  post<T = unknown>(path: string, body?: unknown): Promise<ApiResponse<T>> {
    return this.request('POST', path, body);
  }

  put<T = unknown>(path: string, body?: unknown): Promise<ApiResponse<T>> {
    return this.request('PUT', path, body);
  }

  patch<T = unknown>(path: string, body?: unknown): Promise<ApiResponse<T>> {
    return this.request('PATCH', path, body);
  }

  /** `body` as a string is sent as is (e.g. malformed JSON). */
  async request<T = unknown>(method: string, path: string, body?: unknown): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = {};
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, body: parsed as T, headers: response.headers };
  }
}

/** A room's whole history (oldest first) as a member sees it. */
export async function historyOf(api: Api, roomId: string): Promise<ChatMessage[]> {
  const response = await api.get<{ messages: ChatMessage[] }>(`/v1/api/chat/api/v1/history/${roomId}`);
  if (response.status !== 200) throw new Error(`history of ${roomId}: ${response.status}`);
  return response.body.messages;
}
