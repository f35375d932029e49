import { setting, type SettingsOf } from '@playlist-chat/platform';

/** What only `npm start` (the single node) reads, declared once; validated before anything starts. */
export const singleNodeSettings = {
  gatewayThread: setting.bool(
    'SINGLE_NODE_GATEWAY_THREAD',
    true,
    'Run the gateway on a worker thread of its own, so proxying REST and WebSocket traffic uses a second core (about 100 MB more memory); false = on the main thread with the chat and presence servers',
  ),
};

export type SingleNodeSettings = SettingsOf<typeof singleNodeSettings>;
