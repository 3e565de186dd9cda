package dev.tollgate.gateway.web;

import dev.tollgate.billing.accounts.ApiKeys;
import java.util.List;
import org.springframework.http.HttpHeaders;
import org.springframework.http.server.reactive.ServerHttpRequest;

/**
 * Which requests belong to the account owner's API and are authenticated with a JWT rather than an
 * API key. Both {@code ApiKeyAuthFilter} (which lets them through) and the account security chain
 * (which then demands a valid JWT) decide with {@link #takesJwt}, so no request is left to neither.
 */
public final class AccountPaths {

  /** The account API's paths; {@code *} is one path segment (a key id). */
  public static final List<String> PATHS =
      List.of(
          "/v1/account",
          "/v1/keys",
          "/v1/keys/*",
          "/v1/usage",
          "/v1/usage/export",
          "/v1/ledger",
          "/v1/redeem");

  private static final String BEARER = "Bearer ";
  private static final String KEYS = "/v1/keys/";

  private AccountPaths() {}

  /** Whether the routed path ({@link RequestPaths#routed}) is one of {@link #PATHS}. */
  public static boolean matches(String path) {
    if (path.startsWith(KEYS)) {
      return path.length() > KEYS.length() && path.indexOf('/', KEYS.length()) < 0;
    }
    return PATHS.contains(path);
  }

  /**
   * Whether the request is for the account API and carries a bearer token that is not an API key
   * ({@code sk-gw-...}): a JWT, to be checked by the resource server.
   */
  public static boolean takesJwt(ServerHttpRequest request) {
    if (!matches(RequestPaths.routed(request))) {
      return false;
    }
    String authorization = request.getHeaders().getFirst(HttpHeaders.AUTHORIZATION);
    if (authorization == null
        || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      return false;
    }
    String token = authorization.substring(BEARER.length()).trim();
    return !token.isEmpty() && !token.startsWith(ApiKeys.KEY_PREFIX);
  }
}
