import '@playlist-chat/platform/v8-tuning';
import './telemetry';
import { runStandalone } from '@playlist-chat/platform';
import { startGateway } from './gateway';

// Runs the gateway on its own, routing to the instances its registry finds (SERVICE_REGISTRY:
// static, consul, or in single mode only apps of its own process: none). The whole product in
// one process is the single-node launcher (`npm start`, single-node/).
runStandalone(() => startGateway(process.env), { name: 'gateway' });
