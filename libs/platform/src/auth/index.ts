// JWT identity shared by every app (chat server, presence server).
export * from './identity';
export * from './auth.settings';
export * from './auth.error';
export * from './auth-keys';
export * from './token-verifier';
export * from './token-issuer';
export * from './jwt-auth.guard';
export * from './current-user.decorator';
export * from './auth.module';
