package dev.tollgate.gateway.admin;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpHeaders;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.stereotype.Component;

/**
 * Who may use the admin API: the holder of {@code gateway.admin.master-key}, or a JWT from the
 * configured identity provider carrying the scope {@code admin}. Decides which admin requests the
 * master key covers, so that the security chain checks only the others as JWTs.
 */
@Component
public final class AdminCredentials {

  /**
   * The authority Spring Security grants for the {@code admin} scope ({@code scope}/{@code scp}).
   */
  public static final String ADMIN_AUTHORITY = "SCOPE_admin";

  private static final String BEARER = "Bearer ";

  private final byte[] masterKey;

  public AdminCredentials(AdminProperties properties) {
    Objects.requireNonNull(properties, "properties");
    this.masterKey = properties.masterKey().getBytes(StandardCharsets.UTF_8);
  }

  /** Whether the path belongs to the admin API. */
  public static boolean isAdminPath(String path) {
    return path.equals("/admin") || path.startsWith("/admin/");
  }

  /** Whether a master key is configured. */
  public boolean masterKeyEnabled() {
    return masterKey.length > 0;
  }

  /** Whether the request presents the master key. */
  public boolean presentsMasterKey(ServerHttpRequest request) {
    String token = bearer(request);
    // Constant time in the content; only the length of the master key can leak.
    return token != null
        && masterKey.length > 0
        && MessageDigest.isEqual(token.getBytes(StandardCharsets.UTF_8), masterKey);
  }

  /**
   * Whether the request is for the admin API with a bearer token that is not the master key: a JWT,
   * for the resource server to check (and for the {@code admin} scope to allow).
   */
  public boolean takesJwt(ServerHttpRequest request) {
    return isAdminPath(request.getPath().value())
        && bearer(request) != null
        && !presentsMasterKey(request);
  }

  private static @Nullable String bearer(ServerHttpRequest request) {
    String authorization = request.getHeaders().getFirst(HttpHeaders.AUTHORIZATION);
    if (authorization == null
        || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      return null;
    }
    String token = authorization.substring(BEARER.length()).trim();
    return token.isEmpty() ? null : token;
  }
}
