export { startGateway, GATEWAY, type GatewayOptions } from './gateway';
export { gatewaySettings, gatewaySettingsProblems, type GatewaySettings } from './gateway.settings';
