/** Injection token of the validated `GatewaySettings`. */
export const GATEWAY_SETTINGS = Symbol('GATEWAY_SETTINGS');
