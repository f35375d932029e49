import { chatSettings } from '@playlist-chat/chat-server';
import type { Setting } from '@playlist-chat/platform';
import { presenceSettings } from '@playlist-chat/presence-server';
import { describe, expect, it } from 'vitest';
import { hostsBehindGateway } from './hosts-behind-gateway';

const apps: { name: string; app: { allowedHosts: Setting<string[]> }; list: string; host: string }[] = [
  { name: 'presence server', app: presenceSettings, list: 'PRESENCE_ALLOWED_HOSTS', host: 'PRESENCE_HOST' },
  { name: 'chat server', app: chatSettings, list: 'CHAT_ALLOWED_HOSTS', host: 'CHAT_HOST' },
];

describe.each(apps)(
  'hostsBehindGateway, $name: it answers the names its gateway answers',
  ({ app, list, host }) => {
    it('adds the gateway names to the loopback ones, or any Host behind a gateway that answers any', () => {
      expect(hostsBehindGateway(app, {})).toEqual({ [list]: 'localhost,127.0.0.1,[::1]' });
      expect(hostsBehindGateway(app, { GATEWAY_HOST: '0.0.0.0', GATEWAY_ALLOWED_HOSTS: 'mybox' })).toEqual({
        [list]: 'localhost,127.0.0.1,[::1],mybox',
      });
      // Dev tokens off: the gateway listens everywhere and answers any Host, the app stays on loopback.
      expect(hostsBehindGateway(app, { AUTH_DEV_TOKENS: 'false', [host]: '127.0.0.1' })).toEqual({
        [list]: '*',
      });
    });

    it('leaves the list alone when it is set, already any, or a setting is invalid (the app names it)', () => {
      expect(hostsBehindGateway(app, { [list]: 'app.lan' })).toEqual({});
      expect(hostsBehindGateway(app, { [host]: '0.0.0.0', AUTH_DEV_TOKENS: 'false' })).toEqual({});
      expect(hostsBehindGateway(app, { GATEWAY_ALLOWED_HOSTS: 'http://mybox' })).toEqual({});
    });
  },
);
