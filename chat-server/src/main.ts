import '@playlist-chat/platform/v8-tuning';
import './telemetry';
import { runStandalone } from '@playlist-chat/platform';
import { startChatServer } from './index';

// Runs the chat server on its own (the single-node launcher in gateway/ starts it in-process instead).
runStandalone(() => startChatServer(process.env), { name: 'chat-server' });
