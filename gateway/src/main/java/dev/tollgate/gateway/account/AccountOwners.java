package dev.tollgate.gateway.account;

import dev.tollgate.billing.ledger.AccountRepository;
import dev.tollgate.billing.ledger.AccountRow;
import dev.tollgate.billing.ledger.AccountStatus;
import dev.tollgate.gateway.auth.ApiKey;
import dev.tollgate.gateway.auth.ApiKeyAuthFilter;
import dev.tollgate.gateway.error.GatewayException;
import java.util.Objects;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationToken;
import org.springframework.web.reactive.function.server.ServerRequest;
import reactor.core.publisher.Mono;

/**
 * Which account a request of the account API acts on: the one whose {@code owner_subject} is the
 * JWT's {@code sub}, or, where an API key is accepted too, the key's account.
 */
final class AccountOwners {

  private final AccountRepository accounts;

  AccountOwners(AccountRepository accounts) {
    this.accounts = Objects.requireNonNull(accounts, "accounts");
  }

  /**
   * The JWT owner's account, for what changes the account (keys, deletion): 403 to an API key,
   * which may only read; 404 when the identity owns no account.
   */
  Mono<AccountRow> byJwt(ServerRequest request) {
    if (request.exchange().getAttribute(ApiKeyAuthFilter.ATTRIBUTE) != null) {
      return Mono.error(
          () ->
              new GatewayException(
                  403,
                  "permission_error",
                  "owner_login_required",
                  null,
                  "An API key may only read its account. Creating or revoking keys and deleting"
                      + " the account need the owner's login: 'Authorization: Bearer <token>' from"
                      + " the identity provider."));
    }
    return request
        .principal()
        .ofType(JwtAuthenticationToken.class)
        .switchIfEmpty(
            Mono.error(
                () ->
                    GatewayException.unauthorized(
                        "This endpoint needs 'Authorization: Bearer <token>' with a token of the"
                            + " account's owner.")))
        .flatMap(
            token -> {
              String subject = token.getToken().getSubject();
              if (subject == null || subject.isBlank()) {
                return Mono.error(GatewayException.unauthorized("The token has no 'sub' claim."));
              }
              return accounts
                  .findByOwner(subject)
                  .switchIfEmpty(
                      Mono.error(
                          () ->
                              GatewayException.notFound("No account is owned by this identity.")));
            });
  }

  /**
   * For reading: the JWT owner's account or, when the request was made with an API key, the key's
   * account.
   */
  Mono<AccountRow> byJwtOrKey(ServerRequest request) {
    ApiKey key = request.exchange().getAttribute(ApiKeyAuthFilter.ATTRIBUTE);
    if (key == null) {
      return byJwt(request);
    }
    return accounts
        .find(key.accountId())
        .filter(row -> row.status() != AccountStatus.DELETED)
        .switchIfEmpty(
            Mono.error(() -> GatewayException.notFound("This key's account does not exist.")));
  }
}
