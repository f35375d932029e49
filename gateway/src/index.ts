export { startGateway, GATEWAY, type GatewayOptions } from './gateway';
export { gatewaySettings, type GatewaySettings } from './gateway.settings';
