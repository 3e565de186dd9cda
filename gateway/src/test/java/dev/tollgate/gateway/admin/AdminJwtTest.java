package dev.tollgate.gateway.admin;

import static dev.tollgate.gateway.admin.AdminJwt.TOKENS;
import static dev.tollgate.gateway.admin.AdminJwt.client;
import static dev.tollgate.gateway.admin.AdminJwt.createAccount;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.gateway.billing.BillingTestSupport;
import dev.tollgate.gateway.support.TestServices;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The admin API with JWTs from the configured identity provider beside the master key: the {@code
 * admin} scope is needed, and bad tokens are refused in the OpenAI shape.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = "gateway.admin.master-key=" + AdminJwtTest.MASTER_KEY)
class AdminJwtTest {

  static final String MASTER_KEY = "jwt-test-master-key-0123456789";
  static final String ACCOUNT = "acct-admin-jwt-" + TestServices.REDIS_PREFIX;

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    AdminJwt.jwtProperties(registry, ACCOUNT);
  }

  @LocalServerPort int port;

  @Test
  void aTokenWithTheAdminScopeUsesTheAdminApi() {
    String id =
        createAccount(port, TOKENS.withScope("ops-1", "openid admin"))
            .expectStatus()
            .isCreated()
            .expectBody(String.class)
            .returnResult()
            .getResponseBody();
    assertThat(id).contains("\"id\"");
    client(port)
        .get()
        .uri("/admin/accounts/" + ACCOUNT)
        .header("Authorization", "Bearer " + TOKENS.withScope("ops-1", "admin"))
        .exchange()
        .expectStatus()
        .isOk()
        .expectBody()
        .jsonPath("$.id")
        .isEqualTo(ACCOUNT);
  }

  @Test
  void theMasterKeyStillWorks() {
    createAccount(port, MASTER_KEY).expectStatus().isCreated();
  }

  @Test
  void aValidTokenWithoutTheAdminScopeIs403() {
    for (String token :
        new String[] {TOKENS.valid("user-1"), TOKENS.withScope("user-1", "openid administrator")}) {
      createAccount(port, token)
          .expectStatus()
          .isForbidden()
          .expectBody()
          .jsonPath("$.error.type")
          .isEqualTo("permission_error")
          .jsonPath("$.error.message")
          .isEqualTo("The admin API needs a token with the 'admin' scope.");
    }
  }

  @Test
  void badTokensAndWrongMasterKeysAre401() {
    for (String token :
        new String[] {
          TOKENS.forged("ops-1"),
          TOKENS.expired("ops-1"),
          TOKENS.wrongIssuer("ops-1"),
          TOKENS.wrongAudience("ops-1"),
          MASTER_KEY + "x",
          BillingTestSupport.KEY
        }) {
      createAccount(port, token)
          .expectStatus()
          .isUnauthorized()
          .expectBody()
          .jsonPath("$.error.type")
          .isEqualTo("invalid_request_error");
    }
    client(port)
        .post()
        .uri("/admin/accounts")
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue(AdminJwt.CREATE.formatted("anonymous"))
        .exchange()
        .expectStatus()
        .isUnauthorized();
  }
}
