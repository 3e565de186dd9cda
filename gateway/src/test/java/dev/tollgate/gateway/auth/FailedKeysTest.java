package dev.tollgate.gateway.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * Through HTTP: a client that keeps sending wrong keys gets its 401s later and later, while a
 * client with a valid key is answered at once.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "gateway.billing.enabled=false",
      "gateway.dev-keys[0]=" + FailedKeysTest.KEY,
      "gateway.auth.failed-keys.free-attempts=2",
      "gateway.auth.failed-keys.delay=300ms",
      "gateway.auth.failed-keys.max-delay=600ms"
    })
class FailedKeysTest {

  static final String KEY = "sk-gw-failed-keys-0123456789";

  @LocalServerPort int port;

  WebTestClient client() {
    return WebTestClient.bindToServer()
        .baseUrl("http://127.0.0.1:" + port)
        .responseTimeout(Duration.ofSeconds(10))
        .build();
  }

  long millisForModels(String key, int status) {
    long start = System.nanoTime();
    client()
        .get()
        .uri("/v1/models")
        .header("Authorization", "Bearer " + key)
        .exchange()
        .expectStatus()
        .isEqualTo(status);
    return Duration.ofNanos(System.nanoTime() - start).toMillis();
  }

  @Test
  void repeatedWrongKeysAreSlowedDown() {
    millisForModels(KEY, 200); // warm up
    millisForModels("sk-gw-wrong-1", 401);
    millisForModels("sk-gw-wrong-2", 401);
    // Past the two free attempts: at least the configured delays (lower bounds only).
    assertThat(millisForModels("sk-gw-wrong-3", 401)).isGreaterThanOrEqualTo(300);
    assertThat(millisForModels("sk-gw-wrong-4", 401)).isGreaterThanOrEqualTo(600);
    assertThat(millisForModels("sk-gw-wrong-5", 401)).isGreaterThanOrEqualTo(600);
    // A valid key from the same client is not held back by the penalty (600 ms by now).
    assertThat(millisForModels(KEY, 200)).isLessThan(600);
  }
}
