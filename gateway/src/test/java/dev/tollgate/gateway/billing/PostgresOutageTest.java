package dev.tollgate.gateway.billing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.billing.redis.BillingKeys;
import dev.tollgate.gateway.redis.RedisConnections;
import dev.tollgate.gateway.support.TcpProxy;
import dev.tollgate.gateway.support.TestServices;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import reactor.core.publisher.Flux;

/**
 * PostgreSQL goes away under load: requests keep being served and billed in Redis, the outbox
 * grows, and once PostgreSQL is back everything lands, each charge once. The gateway reaches
 * PostgreSQL through a TCP proxy that the test cuts and restores.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {"gateway.billing.demo.balance=1.00"})
class PostgresOutageTest extends BillingTestSupport {

  static final String ACCOUNT = "acct-outage-" + TestServices.REDIS_PREFIX;
  static final TcpProxy POSTGRES =
      new TcpProxy(
          TestServices.PG_HOST_PORT.split(":")[0],
          Integer.parseInt(TestServices.PG_HOST_PORT.split(":")[1]));

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    billingProperties(registry, ACCOUNT, TestServices.REDIS_PREFIX + "-pg-outage");
    // PostgreSQL through the proxy instead (a later registration of a name wins)
    registry.add(
        "spring.r2dbc.url",
        () -> "r2dbc:postgresql://127.0.0.1:" + POSTGRES.port() + "/" + TestServices.database());
  }

  @AfterAll
  static void closeProxy() {
    POSTGRES.close();
  }

  @Autowired RedisConnections redis;
  @Autowired BillingKeys keys;

  @Test
  void requestsAreServedAndBilledDuringAnOutageAndLandOnceItIsOver() throws Exception {
    String body =
        "{\"model\":\"paid\",\"stream\":true,\"max_tokens\":10,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    assertThat(chat(client(port, 8), body).block(Duration.ofSeconds(10)).status()).isEqualTo(200);
    awaitFlushed(ACCOUNT, 1);
    long initial = 1_000_000_000;

    POSTGRES.cut();
    List<Answer> during =
        Flux.range(0, 30)
            .flatMap(i -> chat(client(port, 8), body), 8)
            .collectList()
            .block(Duration.ofSeconds(60));

    assertThat(during).allSatisfy(a -> assertThat(a.status()).isEqualTo(200));
    String outbox = keys.outbox(keys.bucketOf(ACCOUNT));
    assertThat(redis.sync().xlen(outbox)).isGreaterThanOrEqualTo(30);
    Thread.sleep(300); // the flusher keeps trying meanwhile; the test reads PostgreSQL directly
    assertThat(queryLong("SELECT count(*) FROM usage_events WHERE account_id = ?", ACCOUNT))
        .isEqualTo(1);
    assertThat(redisAccount(ACCOUNT).balance()).isEqualTo(initial - 31 * cost(PROMPT_TOKENS, 10));

    POSTGRES.restore();
    awaitFlushed(ACCOUNT, 31);

    assertThat(queryLong("SELECT count(*) FROM usage_events WHERE account_id = ?", ACCOUNT))
        .isEqualTo(31);
    assertThat(pgDebits(ACCOUNT)).isEqualTo(initial - pgBalance(ACCOUNT));
    assertThat(pgBalance(ACCOUNT)).isEqualTo(redisAccount(ACCOUNT).balance());
  }
}
