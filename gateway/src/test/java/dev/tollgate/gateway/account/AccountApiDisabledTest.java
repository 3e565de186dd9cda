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
 * API answers an API key's reads; its changes need an owner's login, so they are refused.
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
  void anApiKeyReadsItsAccountAndChangesNothingWithoutAnIdentityProvider() {
    WebTestClient client =
        WebTestClient.bindToServer()
            .baseUrl("http://127.0.0.1:" + port)
            .responseTimeout(Duration.ofSeconds(10))
            .build();
    for (String uri : List.of("/v1/keys", "/v1/usage", "/v1/ledger", "/v1/usage/export")) {
      client
          .get()
          .uri(uri)
          .header("Authorization", "Bearer " + BillingTestSupport.KEY)
          .exchange()
          .expectStatus()
          .isOk();
    }
    client
        .post()
        .uri("/v1/keys")
        .header("Authorization", "Bearer " + BillingTestSupport.KEY)
        .bodyValue("{}")
        .exchange()
        .expectStatus()
        .isForbidden()
        .expectBody()
        .jsonPath("$.error.code")
        .isEqualTo("owner_login_required");
    client
        .delete()
        .uri("/v1/account")
        .header("Authorization", "Bearer " + BillingTestSupport.KEY)
        .exchange()
        .expectStatus()
        .isForbidden()
        .expectBody()
        .jsonPath("$.error.code")
        .isEqualTo("owner_login_required");
    // GET /v1/account takes an API key too, so it works without an identity provider.
    client
        .get()
        .uri("/v1/account")
        .header("x-api-key", BillingTestSupport.KEY)
        .exchange()
        .expectStatus()
        .isOk()
        .expectBody()
        .jsonPath("$.id")
        .isEqualTo(DEMO);
    // Without an identity provider a JWT is just a wrong API key.
    for (String uri : List.of("/v1/account", "/v1/keys", "/v1/usage", "/v1/ledger")) {
      client
          .get()
          .uri(uri)
          .header("Authorization", "Bearer eyJhbGciOiJSUzI1NiJ9.e30.sig")
          .exchange()
          .expectStatus()
          .isUnauthorized()
          .expectBody()
          .jsonPath("$.error.code")
          .isEqualTo("invalid_api_key");
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
