package dev.tollgate.gateway.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.gateway.billing.BillingTestSupport;
import dev.tollgate.gateway.support.RawHttp;
import dev.tollgate.gateway.support.TestServices;
import dev.tollgate.gateway.support.Tokens;
import java.io.IOException;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Regression: health details, metrics and prometheus were open on the public port. There only the
 * liveness and readiness probes are open; the rest needs the master key or an admin JWT.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = "gateway.admin.master-key=" + ActuatorExposureTest.MASTER_KEY)
class ActuatorExposureTest {

  static final String MASTER_KEY = "actuator-master-key-0123456789";
  static final Tokens TOKENS = new Tokens();
  static final List<String> PRIVATE =
      List.of(
          "/actuator",
          "/actuator/health",
          "/actuator/health/redis",
          "/actuator/metrics",
          "/actuator/metrics/jvm.memory.used",
          "/actuator/prometheus");

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    BillingTestSupport.billingProperties(registry, "acct-actuator-" + TestServices.REDIS_PREFIX);
    registry.add("spring.security.oauth2.resourceserver.jwt.jwk-set-uri", TOKENS::jwksUri);
    registry.add("spring.security.oauth2.resourceserver.jwt.issuer-uri", () -> Tokens.ISSUER);
    registry.add("spring.security.oauth2.resourceserver.jwt.audiences", () -> Tokens.AUDIENCE);
  }

  @LocalServerPort int port;

  int status(String path, @Nullable String bearer) throws IOException {
    return RawHttp.exchange(port, "GET", path, bearer, null).status();
  }

  @Test
  void theProbesAreOpen() throws IOException {
    for (String probe : List.of("/actuator/health/liveness", "/actuator/health/readiness")) {
      RawHttp.Response answer = RawHttp.exchange(port, "GET", probe, null, null);
      assertThat(answer.status()).as(probe).isEqualTo(200);
      assertThat(answer.body()).as(probe).contains("\"status\":\"UP\"");
    }
  }

  @Test
  void everythingElseNeedsTheAdminCredential() throws IOException {
    for (String path : PRIVATE) {
      assertThat(status(path, null)).as(path).isEqualTo(401);
      assertThat(status(path, "sk-gw-not-the-master-key")).as(path).isEqualTo(401);
      assertThat(status(path, TOKENS.valid("user-1"))).as(path).isEqualTo(403);
      assertThat(status(path, TOKENS.expired("ops-1"))).as(path).isEqualTo(401);
    }
    for (String path : List.of("/actuator/health", "/actuator/metrics", "/actuator/prometheus")) {
      assertThat(status(path, MASTER_KEY)).as(path).isEqualTo(200);
      assertThat(status(path, TOKENS.withScope("ops-1", "admin"))).as(path).isEqualTo(200);
    }
    // Other spellings are refused before anything else.
    assertThat(status("/%61ctuator/metrics", null)).isEqualTo(400);
    assertThat(status("/actuator/health/liveness/../../metrics", null)).isEqualTo(400);
  }
}
