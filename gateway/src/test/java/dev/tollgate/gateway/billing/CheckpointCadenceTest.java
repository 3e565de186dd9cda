package dev.tollgate.gateway.billing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.billing.accounts.KeyLimits;
import dev.tollgate.billing.metering.RequestStatus;
import dev.tollgate.billing.metering.UsageRecord;
import dev.tollgate.billing.metering.UsageSource;
import dev.tollgate.billing.redis.BillingKeys;
import dev.tollgate.gateway.auth.ApiKey;
import dev.tollgate.gateway.redis.RedisConnections;
import dev.tollgate.gateway.support.TestServices;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Regression (issue 10, item 7): checkpoints came only every hold-ttl/3, so a gateway killed
 * mid-stream left up to ~200 s of delivered tokens unpaid. Now a stream's hold records the prompt
 * at its first token and its output every half of {@code checkpoint-every-tokens}, and no token is
 * admitted more than {@code checkpoint-every-tokens} past what Redis has recorded: what the reaper
 * would charge after a kill -9 is never further behind than that.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "gateway.billing.demo.balance=1.00",
      "gateway.billing.checkpoint-every-tokens=64"
    })
class CheckpointCadenceTest extends BillingTestSupport {

  static final String ACCOUNT = "acct-checkpoint-" + TestServices.REDIS_PREFIX;
  static final int EVERY = 64;

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    billingProperties(registry, ACCOUNT);
  }

  @Autowired Billing billing;
  @Autowired RedisConnections redis;
  @Autowired BillingKeys keys;

  @Test
  void noTokenIsAdmittedMoreThanTheBoundPastTheCheckpointInRedis() {
    String id = "req_cp_" + TestServices.REDIS_PREFIX;
    ApiKey key = new ApiKey("dev:checkpoint", "sk-gw-chk", ACCOUNT, KeyLimits.NONE);
    Tab tab =
        billing
            .open(new TabRequest(id, key, "paid", "local", PROMPT_TOKENS, 1000, true))
            .block(Duration.ofSeconds(10));
    assertThat(tab).isNotNull();

    // The first token checkpoints the prompt.
    assertThat(admit(tab, 1)).isZero();
    tab.extensionAnswered().block(Duration.ofSeconds(5));
    Map<String, String> first = redis.sync().hgetall(keys.hold(ACCOUNT, id));
    assertThat(first).containsEntry("prompt", "8").containsEntry("completion", "1");
    assertThat(first.get("checkpoint_cost")).isEqualTo(String.valueOf(cost(PROMPT_TOKENS, 1)));

    int waits = 0;
    long maxBehind = 0;
    for (int tokens = 2; tokens <= 1000; tokens++) {
      waits += admit(tab, tokens);
      long checkpointed = Long.parseLong(redis.sync().hget(keys.hold(ACCOUNT, id), "completion"));
      maxBehind = Math.max(maxBehind, tokens - checkpointed);
      assertThat(tokens - checkpointed)
          .as("token %s admitted with Redis's checkpoint at %s", tokens, checkpointed)
          .isLessThanOrEqualTo(EVERY);
    }
    tab.extensionAnswered().block(Duration.ofSeconds(5));
    System.out.printf(
        "CheckpointCadenceTest: 1000 tokens admitted as fast as possible, at most %d past the"
            + " checkpoint in Redis (bound %d), %d waits for a checkpoint%n",
        maxBehind, EVERY, waits);

    tab.settle(
        new UsageRecord(
            id,
            key.id(),
            "paid",
            "local",
            PROMPT_TOKENS,
            1000,
            0,
            0,
            0,
            0,
            UsageSource.PARTIAL,
            RequestStatus.CANCELLED,
            Instant.now(),
            null,
            Duration.ofSeconds(1),
            true));
  }

  /** Admits {@code tokens} output tokens, waiting for checkpoints as asked; how many waits. */
  private static int admit(Tab tab, long tokens) {
    int waits = 0;
    while (true) {
      Tab.Admission admission = tab.admit(PROMPT_TOKENS, tokens, 0);
      if (admission == Tab.Admission.ADMIT) {
        return waits;
      }
      assertThat(admission).isEqualTo(Tab.Admission.WAIT);
      waits++;
      tab.extensionAnswered().block(Duration.ofSeconds(5));
    }
  }
}
