package dev.tollgate.gateway.billing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.billing.redis.AccountState;
import dev.tollgate.billing.redis.BillingKeys;
import dev.tollgate.billing.redis.HoldStore;
import dev.tollgate.gateway.support.TcpProxy;
import dev.tollgate.gateway.support.TestServices;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import reactor.netty.http.client.HttpClient;

/**
 * Regression (issue 10 item 2, issue 11): a reserve that Redis ran but whose answer never came back
 * (the command timed out) was answered 503 and left its hold in Redis until the hold's TTL (10
 * minutes) and the reaper ended it. The gateway now releases such a hold at once. Redis is reached
 * through a proxy that drops its replies while still passing the commands on.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class LostReserveAnswerTest extends BillingTestSupport {

  private static final Logger log = LoggerFactory.getLogger(LostReserveAnswerTest.class);

  static final String ACCOUNT = "acct-lost-reserve-" + TestServices.REDIS_PREFIX;
  static final URI REDIS_URI = URI.create(TestServices.REDIS_URL);
  static final TcpProxy REDIS = new TcpProxy(REDIS_URI.getHost(), REDIS_URI.getPort());
  static final String BODY =
      "{\"model\":\"paid\",\"max_tokens\":10,"
          + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    billingProperties(registry, ACCOUNT, TestServices.REDIS_PREFIX + "-lost-reserve");
    registry.add("spring.data.redis.url", () -> "redis://127.0.0.1:" + REDIS.port());
  }

  @AfterAll
  static void closeProxy() {
    REDIS.close();
  }

  @Autowired BillingKeys keys;
  @Autowired Settlements settlements;

  @Test
  void aReserveWhoseAnswerWasLostHasItsHoldReleasedChargingNothing() throws Exception {
    HttpClient client = client(port, 2);
    // Warm up: the account cached in Redis, its discount read (cached for 30 s), scripts loaded.
    assertThat(chat(client, BODY).block(Duration.ofSeconds(10)).status()).isEqualTo(200);
    RedisClient direct = RedisClient.create(TestServices.REDIS_URL);
    try (StatefulRedisConnection<String, String> connection = direct.connect()) {
      HoldStore redis = new HoldStore(connection, keys); // past the proxy
      AccountState before = account(redis);
      assertThat(before.held()).isZero();

      REDIS.muteReplies();
      Answer refused = chat(client, BODY).block(Duration.ofSeconds(30));
      assertThat(refused.status()).isEqualTo(503);
      assertThat(refused.body()).contains("billing_unavailable");
      // The connection whose replies went missing is dropped; the gateway reconnects.
      REDIS.cut();
      REDIS.restore();
      long restored = System.nanoTime();

      long deadline = restored + Duration.ofSeconds(10).toNanos();
      while ((account(redis).held() != 0 || settlements.inFlight() != 0)
          && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      log.info(
          "Waited {} ms after Redis answered again for nothing to be held",
          (System.nanoTime() - restored) / 1_000_000);
      assertThat(account(redis).held()).as("held").isZero();
      assertThat(settlements.inFlight()).as("releases in flight").isZero();
      assertThat(account(redis).balance()).as("nothing charged").isEqualTo(before.balance());

      // The reserve did run (a hold was there to release): its release is recorded as a request
      // cancelled before its call, charging nothing.
      awaitFlushed(ACCOUNT, 2);
      assertThat(
              queryString(
                  "SELECT status || ' ' || cost_nanos || ' ' || charged_nanos"
                      + " FROM usage_events WHERE request_id = ?",
                  refused.requestId()))
          .isEqualTo("cancelled 0 0");
      assertThat(pgBalance(ACCOUNT)).isEqualTo(account(redis).balance());
    } finally {
      direct.shutdown();
    }
  }

  private static AccountState account(HoldStore redis) {
    AccountState state = redis.account(ACCOUNT).block(Duration.ofSeconds(5));
    assertThat(state).isNotNull();
    return state;
  }
}
