import '@playlist-chat/platform/v8-tuning';
import './telemetry';
import { runStandalone } from '@playlist-chat/platform';
import { startPresenceServer } from './index';

// Runs the presence server on its own (the single-node launcher in gateway/ starts it in-process instead).
runStandalone(() => startPresenceServer(process.env), { name: 'presence-server' });
