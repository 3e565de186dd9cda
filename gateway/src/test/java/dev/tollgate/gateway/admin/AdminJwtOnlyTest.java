package dev.tollgate.gateway.admin;

import static dev.tollgate.gateway.admin.AdminJwt.TOKENS;
import static dev.tollgate.gateway.admin.AdminJwt.createAccount;

import dev.tollgate.gateway.support.TestServices;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** Without a master key, JWTs with the {@code admin} scope are the only way into the admin API. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class AdminJwtOnlyTest {

  static final String ACCOUNT = "acct-admin-jwt-only-" + TestServices.REDIS_PREFIX;

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    AdminJwt.jwtProperties(registry, ACCOUNT);
  }

  @LocalServerPort int port;

  @Test
  void onlyAdminTokensAreAccepted() {
    createAccount(port, TOKENS.withScope("ops-2", "admin")).expectStatus().isCreated();
    createAccount(port, TOKENS.valid("ops-2")).expectStatus().isForbidden();
    createAccount(port, "anything-else").expectStatus().isUnauthorized();
  }
}
