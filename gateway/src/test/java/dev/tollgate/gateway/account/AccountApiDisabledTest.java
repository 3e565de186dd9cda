package dev.tollgate.gateway.account;

import dev.tollgate.gateway.billing.BillingTestSupport;
import dev.tollgate.gateway.support.TestServices;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * Without {@code spring.security.oauth2.resourceserver.jwt.*} the gateway starts and the account
 * API does not exist.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class AccountApiDisabledTest {

  static final String DEMO = "acct-account-off-" + TestServices.REDIS_PREFIX;

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    BillingTestSupport.billingProperties(registry, DEMO);
  }

  @LocalServerPort int port;

  @Test
  void everyAccountPathIs404AndTheDataPlaneWorks() {
    WebTestClient client =
        WebTestClient.bindToServer()
            .baseUrl("http://127.0.0.1:" + port)
            .responseTimeout(Duration.ofSeconds(10))
            .build();
    for (String bearer : List.of("eyJhbGciOiJSUzI1NiJ9.e30.sig", BillingTestSupport.KEY)) {
      for (String uri : List.of("/v1/account", "/v1/keys", "/v1/usage", "/v1/ledger")) {
        client
            .get()
            .uri(uri)
            .header("Authorization", "Bearer " + bearer)
            .exchange()
            .expectStatus()
            .isNotFound()
            .expectBody()
            .jsonPath("$.error.type")
            .isEqualTo("invalid_request_error");
      }
    }
    client
        .get()
        .uri("/v1/models")
        .header("Authorization", "Bearer " + BillingTestSupport.KEY)
        .exchange()
        .expectStatus()
        .isOk();
  }
}
