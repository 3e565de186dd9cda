package dev.tollgate.gateway.admin;

import dev.tollgate.gateway.billing.BillingTestSupport;
import dev.tollgate.gateway.support.Tokens;
import java.time.Duration;
import java.util.UUID;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.web.reactive.server.WebTestClient;

/** What the admin JWT tests share: an identity provider and a few requests. */
final class AdminJwt {

  private AdminJwt() {}

  static final Tokens TOKENS = new Tokens();
  static final String CREATE = "{\"name\":\"Jwt admin test\",\"owner\":\"owner-%s\"}";

  static void jwtProperties(DynamicPropertyRegistry registry, String account) {
    BillingTestSupport.billingProperties(registry, account);
    registry.add("spring.security.oauth2.resourceserver.jwt.jwk-set-uri", TOKENS::jwksUri);
    registry.add("spring.security.oauth2.resourceserver.jwt.issuer-uri", () -> Tokens.ISSUER);
    registry.add("spring.security.oauth2.resourceserver.jwt.audiences", () -> Tokens.AUDIENCE);
  }

  static WebTestClient client(int port) {
    return WebTestClient.bindToServer()
        .baseUrl("http://127.0.0.1:" + port)
        .responseTimeout(Duration.ofSeconds(20))
        .build();
  }

  static WebTestClient.ResponseSpec createAccount(int port, String bearer) {
    return client(port)
        .post()
        .uri("/admin/accounts")
        .header("Authorization", "Bearer " + bearer)
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue(CREATE.formatted(UUID.randomUUID()))
        .exchange();
  }
}
