import { Module, type DynamicModule } from '@nestjs/common';
import { hmacSecretOf, resolveAuthKeys, type AuthKeys, type AuthOptions } from './auth-keys';
import { JwtAuthGuard } from './jwt-auth.guard';
import { TokenIssuer } from './token-issuer';
import { TokenVerifier } from './token-verifier';

export const AUTH_OPTIONS = Symbol('AUTH_OPTIONS');
export const AUTH_KEYS = Symbol('AUTH_KEYS');

/**
 * Global: `TokenVerifier`, `TokenIssuer`, `JwtAuthGuard` and the options (`AUTH_OPTIONS`)
 * are injectable everywhere in the app. Keys are resolved once at start-up
 * (single node: the generated secret in `${dataDir}/auth-secret`). The HS256 secret is resolved
 * here, as the app is declared: a bad secret file (empty, too short) throws its ConfigError
 * from the app's start function, which prints it alone, instead of from inside Nest's
 * initialisation, which would print a stack trace.
 */
@Module({})
export class AuthModule {
  static forRoot(options: AuthOptions): DynamicModule {
    const hmacSecret = hmacSecretOf(options);
    return {
      module: AuthModule,
      global: true,
      providers: [
        { provide: AUTH_OPTIONS, useValue: options },
        { provide: AUTH_KEYS, useFactory: () => resolveAuthKeys(options, hmacSecret) },
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
