package dev.tollgate.gateway.account;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.gateway.billing.BillingTestSupport;
import dev.tollgate.gateway.support.RawHttp;
import dev.tollgate.gateway.support.TestServices;
import dev.tollgate.gateway.support.Tokens;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Regression: each JWT with an unknown {@code kid} made the gateway fetch the JWK set again (20
 * requests, 20 fetches), and a JWT without {@code exp} was accepted.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class JwtHardeningTest {

  static final Tokens TOKENS = new Tokens();

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    BillingTestSupport.billingProperties(registry, "acct-jwt-hard-" + TestServices.REDIS_PREFIX);
    registry.add("spring.security.oauth2.resourceserver.jwt.jwk-set-uri", TOKENS::jwksUri);
    registry.add("spring.security.oauth2.resourceserver.jwt.issuer-uri", () -> Tokens.ISSUER);
    registry.add("spring.security.oauth2.resourceserver.jwt.audiences", () -> Tokens.AUDIENCE);
  }

  @LocalServerPort int port;

  int status(String bearer) throws IOException {
    return RawHttp.exchange(port, "GET", "/v1/account", bearer, null).status();
  }

  @Test
  void tokensWithUnknownKeyIdsDoNotRefetchTheKeySetEachTime() throws Exception {
    // A valid token: the key set is fetched (once) and the token accepted (no account: 404).
    assertThat(status(TOKENS.valid("user-" + TestServices.REDIS_PREFIX))).isEqualTo(404);
    int before = TOKENS.jwksFetches();
    assertThat(before).isGreaterThanOrEqualTo(1);
    List<CompletableFuture<Integer>> answers = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      String token = TOKENS.unknownKeyId("user-1", "rotated-" + i);
      answers.add(CompletableFuture.supplyAsync(() -> statusOf(token)));
    }
    for (CompletableFuture<Integer> answer : answers) {
      assertThat(answer.get()).isEqualTo(401);
    }
    // Within the refetch interval (30 s): no fetch at all for 20 unknown key ids.
    assertThat(TOKENS.jwksFetches() - before).isZero();
    // Known keys still work.
    assertThat(status(TOKENS.valid("user-" + TestServices.REDIS_PREFIX))).isEqualTo(404);
  }

  @Test
  void aTokenWithoutExpiryIsRefused() throws IOException {
    assertThat(status(TOKENS.withoutExpiry("user-1"))).isEqualTo(401);
  }

  private int statusOf(String token) {
    try {
      return status(token);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
