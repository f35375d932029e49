import { Module, type DynamicModule } from '@nestjs/common';
import { resolveAuthKeys, type AuthKeys, type AuthOptions } from './auth-keys';
import { JwtAuthGuard } from './jwt-auth.guard';
import { TokenIssuer } from './token-issuer';
import { TokenVerifier } from './token-verifier';

export const AUTH_OPTIONS = Symbol('AUTH_OPTIONS');
export const AUTH_KEYS = Symbol('AUTH_KEYS');

/**
 * Global: `TokenVerifier`, `TokenIssuer`, `JwtAuthGuard` and the options (`AUTH_OPTIONS`)
 * are injectable everywhere in the app. Keys are resolved once at start-up
 * (single node: the generated secret in `${dataDir}/auth-secret`).
 */
@Module({})
export class AuthModule {
  static forRoot(options: AuthOptions): DynamicModule {
    return {
      module: AuthModule,
      global: true,
      providers: [
        { provide: AUTH_OPTIONS, useValue: options },
        { provide: AUTH_KEYS, useFactory: () => resolveAuthKeys(options) },
        {
          provide: TokenVerifier,
          inject: [AUTH_KEYS],
          useFactory: (keys: AuthKeys) => new TokenVerifier(keys),
        },
        { provide: TokenIssuer, inject: [AUTH_KEYS], useFactory: (keys: AuthKeys) => new TokenIssuer(keys) },
        JwtAuthGuard,
      ],
      exports: [AUTH_OPTIONS, TokenVerifier, TokenIssuer, JwtAuthGuard],
    };
  }
}
