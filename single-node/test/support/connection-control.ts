import type { Page, WebSocketRoute } from 'playwright-core';

/** Picks STOMP frames (as text) to drop on their way. */
export type FrameFilter = (frame: string) => boolean;

export interface ConnectionControl {
  /** The network drops: open sockets close, and new ones are refused until `restore()`. */
  cut(): Promise<void>;
  restore(): void;
  /** Frames the page sends that never reach the server (`null`: all go through). */
  dropToServer: FrameFilter | null;
  /** Frames the server sends that never reach the page (`null`: all go through). */
  dropToPage: FrameFilter | null;
}

/**
 * The page's STOMP WebSocket (`/ws-chat`) through Playwright, so a test can cut it like a network
 * drop, or lose frames on the way (a SEND that never arrives, a RECEIPT that never comes back).
 * Holds over reloads of the page.
 */
export async function controlConnection(page: Page): Promise<ConnectionControl> {
  let down = false;
  const open = new Set<{ page: WebSocketRoute; server: WebSocketRoute }>();
  const control: ConnectionControl = {
    async cut() {
      down = true;
      const sockets = [...open];
      open.clear();
      // Some may have closed by themselves already: closing those again is no failure.
      await Promise.all(
        sockets.flatMap((socket) => [
          socket.page.close({ code: 4000, reason: 'offline' }).catch(() => {}),
          socket.server.close().catch(() => {}),
        ]),
      );
    },
    restore() {
      down = false;
    },
    dropToServer: null,
    dropToPage: null,
  };
  await page.routeWebSocket(/\/ws-chat/, (toPage) => {
    if (down) return void toPage.close({ code: 4000, reason: 'offline' });
    const toServer = toPage.connectToServer();
    const socket = { page: toPage, server: toServer };
    open.add(socket);
    // With handlers set, Playwright forwards nothing by itself: every frame goes through here.
    toPage.onMessage((frame) => {
      if (!control.dropToServer?.(frame.toString())) toServer.send(frame);
    });
    toServer.onMessage((frame) => {
      if (!control.dropToPage?.(frame.toString())) toPage.send(frame);
    });
  });
  return control;
}
