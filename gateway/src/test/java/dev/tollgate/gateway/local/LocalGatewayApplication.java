package dev.tollgate.gateway.local;

import dev.tollgate.gateway.GatewayApplication;
import java.nio.file.Path;
import java.util.Map;
import org.springframework.boot.SpringApplication;

/**
 * The gateway with an embedded Redis and an embedded PostgreSQL for whichever of {@code
 * spring.data.redis.url} and {@code spring.r2dbc.url} is not configured; their files go to {@code
 * .tollgate/} in the working directory. Lives in the test tree so that the embedded servers never
 * reach the production jar; run it with {@code ./mvnw -pl gateway -am test-compile
 * spring-boot:test-run} (README, "Quick start").
 */
public final class LocalGatewayApplication {

  private LocalGatewayApplication() {}

  public static void main(String[] args) {
    // The hook attaches the listener to the SpringApplication that GatewayApplication.main
    // creates, so the real application starts unchanged.
    SpringApplication.withHook(
        application -> {
          // PostgreSQL's own output (zonky logs it at INFO) only when asked for, e.g. with
          // --logging.level.io.zonky.test=INFO: the launcher logs one line per service.
          application.setDefaultProperties(Map.of("logging.level.io.zonky.test", "WARN"));
          return new EmbeddedServicesRunListener(Path.of(".tollgate"));
        },
        () -> GatewayApplication.main(args));
  }
}
