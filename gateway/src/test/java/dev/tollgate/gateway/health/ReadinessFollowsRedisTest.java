package dev.tollgate.gateway.health;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.gateway.billing.BillingTestSupport;
import dev.tollgate.gateway.support.TcpProxy;
import dev.tollgate.gateway.support.TestServices;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.health.contributor.ReactiveHealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import reactor.netty.http.client.HttpClient;

/**
 * Readiness goes DOWN when the Redis the gateway uses stops answering and UP again when it is back;
 * liveness stays UP throughout. The gateway reaches Redis through a TCP proxy the test cuts.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ReadinessFollowsRedisTest {

  static final URI REDIS = URI.create(TestServices.REDIS_URL);
  static final TcpProxy PROXY = new TcpProxy(REDIS.getHost(), REDIS.getPort());

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    BillingTestSupport.billingProperties(registry, "acct-health-" + TestServices.REDIS_PREFIX);
    registry.add("spring.data.redis.url", () -> "redis://127.0.0.1:" + PROXY.port());
  }

  @AfterAll
  static void closeProxy() {
    PROXY.close();
  }

  @LocalServerPort int port;

  @Autowired
  @Qualifier("postgresHealthIndicator")
  ReactiveHealthIndicator postgres;

  @Test
  void readinessIsDownWhileRedisDoesNotAnswerAndLivenessStaysUp() throws Exception {
    assertThat(status("/actuator/health/readiness")).isEqualTo(200);
    assertThat(status("/actuator/health/liveness")).isEqualTo(200);
    assertThat(postgres.health().block(Duration.ofSeconds(5)).getStatus()).isEqualTo(Status.UP);

    PROXY.cut();
    try {
      assertThat(awaitStatus("/actuator/health/readiness", 503))
          .as("readiness, Redis cut")
          .isTrue();
      assertThat(status("/actuator/health/liveness")).as("liveness, Redis cut").isEqualTo(200);
    } finally {
      PROXY.restore();
    }

    // Lettuce reconnects with a growing delay (at most 30 s by default)
    assertThat(awaitStatus("/actuator/health/readiness", 200)).as("readiness, Redis back").isTrue();
    assertThat(status("/actuator/health/liveness")).isEqualTo(200);
  }

  private boolean awaitStatus(String path, int expected) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(45);
    while (System.nanoTime() < deadline) {
      if (status(path) == expected) {
        return true;
      }
      TimeUnit.MILLISECONDS.sleep(200);
    }
    return false;
  }

  private int status(String path) {
    return HttpClient.create()
        .get()
        .uri("http://127.0.0.1:" + port + path)
        .response()
        .map(r -> r.status().code())
        .block(Duration.ofSeconds(10));
  }
}
