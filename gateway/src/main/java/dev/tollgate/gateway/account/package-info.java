/**
 * The account owner's API ({@code /v1/account}, {@code /v1/keys}, {@code /v1/usage}, {@code
 * /v1/ledger}), authenticated with JWTs from any OIDC provider through Spring Security's OAuth2
 * resource server; the JWT's {@code sub} is the account's owner. Handlers map HTTP to billing-core
 * calls and back.
 */
@NullMarked
package dev.tollgate.gateway.account;

import org.jspecify.annotations.NullMarked;
