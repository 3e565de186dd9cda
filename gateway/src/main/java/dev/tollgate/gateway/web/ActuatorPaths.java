package dev.tollgate.gateway.web;

import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.web.server.ManagementPortType;
import org.springframework.boot.actuate.endpoint.EndpointId;
import org.springframework.boot.actuate.endpoint.web.PathMappedEndpoints;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;

/**
 * Which actuator paths are private. On the public port only the liveness and readiness probes
 * ({@code /actuator/health/liveness}, {@code /actuator/health/readiness}) are open; every other
 * actuator path (health details, metrics, prometheus, the links page) needs the admin credential
 * ({@code admin.AdminAuthFilter}). With {@code management.server.port} set to a port of its own the
 * public port serves no actuator at all and the management port, private by deployment, needs
 * nothing.
 */
@Component
public final class ActuatorPaths {

  /** What is private, read once from the actuator's mappings. */
  private record Private(String base, List<String> endpoints, List<String> probes) {}

  private static final Private NOTHING = new Private("", List.of(), List.of());

  private final boolean onPublicPort;
  private final ObjectProvider<PathMappedEndpoints> endpoints;
  private volatile @Nullable Private resolved;

  public ActuatorPaths(Environment environment, ObjectProvider<PathMappedEndpoints> endpoints) {
    this.onPublicPort = ManagementPortType.get(environment) == ManagementPortType.SAME;
    this.endpoints = Objects.requireNonNull(endpoints, "endpoints");
  }

  /** Whether the routed path is an actuator path that needs the admin credential. */
  public boolean needsAdmin(String routedPath) {
    Private paths = paths();
    if (paths.probes().contains(routedPath)) {
      return false;
    }
    if (!paths.base().isEmpty()) {
      return under(routedPath, paths.base());
    }
    for (String path : paths.endpoints()) {
      if (under(routedPath, path)) {
        return true;
      }
    }
    return false;
  }

  private Private paths() {
    Private paths = resolved;
    if (paths == null) {
      PathMappedEndpoints mapped = onPublicPort ? endpoints.getIfAvailable() : null;
      if (mapped == null) {
        paths = NOTHING;
      } else {
        String health = mapped.getPath(EndpointId.of("health"));
        paths =
            new Private(
                mapped.getBasePath(),
                List.copyOf(mapped.getAllPaths()),
                health == null ? List.of() : List.of(health + "/liveness", health + "/readiness"));
      }
      resolved = paths;
    }
    return paths;
  }

  private static boolean under(String path, String prefix) {
    return path.startsWith(prefix)
        && (path.length() == prefix.length() || path.charAt(prefix.length()) == '/');
  }
}
