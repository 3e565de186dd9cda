package dev.tollgate.gateway.billing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.adapter.Json;
import dev.tollgate.billing.redis.AccountState;
import dev.tollgate.gateway.support.TestServices;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import reactor.core.publisher.Flux;
import reactor.netty.http.client.HttpClient;

/**
 * The main promise under load: 200 concurrent streams against an account funded for exactly 50 of
 * them. The account never goes below zero, the others get 402, and the ledger adds up in Redis and
 * in PostgreSQL alike.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {"gateway.billing.demo.balance=0.0014"})
class BillingConcurrencyTest extends BillingTestSupport {

  static final String ACCOUNT = "acct-conc-" + TestServices.REDIS_PREFIX;

  /** One request: 8 prompt tokens and 10 completion tokens, reserved and charged exactly. */
  static final long PER_REQUEST = cost(PROMPT_TOKENS, 10);

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    billingProperties(registry, ACCOUNT);
  }

  @Test
  void twoHundredConcurrentStreamsNeverOverspendAndTheLedgerAddsUp() throws Exception {
    twoHundredConcurrentStreamsNeverOverspend(this, ACCOUNT);
  }

  /** The test itself, on the gateway under test; {@link BillingConcurrencyOnClusterTest} too. */
  static void twoHundredConcurrentStreamsNeverOverspend(BillingTestSupport gateway, String account)
      throws Exception {
    long initial = 1_400_000; // 0.0014 in nano-units
    assertThat(PER_REQUEST).isEqualTo(28_000);
    assertThat(initial).isEqualTo(50 * PER_REQUEST);
    HttpClient client = client(gateway.port, 256);
    String body =
        "{\"model\":\"paid\",\"stream\":true,\"max_tokens\":10,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    List<Answer> answers =
        Flux.range(0, 200)
            .flatMap(i -> chat(client, body), 200)
            .collectList()
            .block(Duration.ofSeconds(60));

    Map<Integer, Long> byStatus =
        answers.stream().collect(Collectors.groupingBy(Answer::status, Collectors.counting()));
    assertThat(byStatus).containsOnlyKeys(200, 402);
    assertThat(byStatus.get(200)).isEqualTo(50);
    assertThat(byStatus.get(402)).isEqualTo(150);
    answers.stream()
        .filter(a -> a.status() == 402)
        .forEach(
            a ->
                assertThat(Json.MAPPER.readTree(a.body()).path("error").path("code").asString())
                    .isEqualTo("insufficient_balance"));
    answers.stream()
        .filter(a -> a.status() == 200)
        .forEach(a -> assertThat(a.body()).endsWith("data: [DONE]\n\n"));

    awaitFlushed(account, 50);
    AccountState redis = gateway.redisAccount(account);
    assertThat(redis.balance()).isGreaterThanOrEqualTo(0).isEqualTo(initial - 50 * PER_REQUEST);
    assertThat(redis.held()).isZero();
    long pgCharged =
        queryLong("SELECT sum(charged_nanos) FROM usage_events WHERE account_id = ?", account);
    assertThat(pgCharged).isEqualTo(initial - redis.balance());
    assertThat(pgDebits(account)).isEqualTo(initial - pgBalance(account)).isEqualTo(pgCharged);
    assertThat(pgBalance(account)).isEqualTo(redis.balance());
    assertThat(
            queryLong(
                "SELECT count(*) FROM usage_events WHERE account_id = ? AND status = 'completed'"
                    + " AND source = 'reported' AND charged_nanos = ?",
                account,
                PER_REQUEST))
        .isEqualTo(50);
  }
}
