package dev.tollgate.gateway.admin;

import dev.tollgate.gateway.web.ActuatorPaths;
import dev.tollgate.gateway.web.RequestPaths;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpHeaders;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.stereotype.Component;

/**
 * Who may use the admin API and the private actuator paths ({@link ActuatorPaths}): the holder of
 * {@code gateway.admin.master-key}, or a JWT from the configured identity provider carrying the
 * scope {@code admin}. Decides which guarded requests the master key covers, so that the security
 * chain checks only the others as JWTs. Paths are read as the router matches them ({@link
 * RequestPaths#routed}).
 */
@Component
public final class AdminCredentials {

  /**
   * The authority Spring Security grants for the {@code admin} scope ({@code scope}/{@code scp}).
   */
  public static final String ADMIN_AUTHORITY = "SCOPE_admin";

  private static final String BEARER = "Bearer ";

  private final byte[] masterKey;
  private final ActuatorPaths actuator;

  public AdminCredentials(AdminProperties properties, ActuatorPaths actuator) {
    Objects.requireNonNull(properties, "properties");
    this.masterKey = properties.masterKey().getBytes(StandardCharsets.UTF_8);
    this.actuator = Objects.requireNonNull(actuator, "actuator");
  }

  /** Whether the routed path ({@link RequestPaths#routed}) belongs to the admin API. */
  public static boolean isAdminPath(String routedPath) {
    return routedPath.equals("/admin") || routedPath.startsWith("/admin/");
  }

  /** Whether the request needs the admin credential: the admin API or a private actuator path. */
  public boolean guards(ServerHttpRequest request) {
    String path = RequestPaths.routed(request);
    return isAdminPath(path) || actuator.needsAdmin(path);
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
   * Whether the request {@link #guards needs the admin credential} and carries a bearer token that
   * is not the master key: a JWT, for the resource server to check (and for the {@code admin} scope
   * to allow).
   */
  public boolean takesJwt(ServerHttpRequest request) {
    return bearer(request) != null && guards(request) && !presentsMasterKey(request);
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
