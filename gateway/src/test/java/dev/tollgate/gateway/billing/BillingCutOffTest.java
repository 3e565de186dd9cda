package dev.tollgate.gateway.billing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.adapter.Json;
import dev.tollgate.gateway.support.TestServices;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * Funds that run out mid-stream: the hold cannot grow, the stream ends cleanly, and exactly what
 * was delivered is charged. The account holds 0.000068: the prompt (8 tokens) and 30 output tokens;
 * the answer would be 400 tokens.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {"gateway.billing.demo.balance=0.000068"})
class BillingCutOffTest extends BillingTestSupport {

  static final String ACCOUNT = "acct-cut-" + TestServices.REDIS_PREFIX;

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    billingProperties(registry, ACCOUNT);
  }

  @Test
  void whenTheHoldCannotGrowTheStreamEndsCleanlyAndWhatWasDeliveredIsCharged() throws Exception {
    assertThat(cost(PROMPT_TOKENS, 30)).isEqualTo(68_000);

    Answer answer =
        chat(
                client(port, 2),
                "{\"model\":\"paid-long\",\"stream\":true,"
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")
            .block(Duration.ofSeconds(20));

    assertThat(answer.status()).isEqualTo(200);
    List<String> data = answer.body().lines().filter(l -> l.startsWith("data: ")).toList();
    assertThat(data.getLast()).isEqualTo("data: [DONE]");
    JsonNode last = Json.MAPPER.readTree(data.get(data.size() - 2).substring(6));
    assertThat(last.path("choices").path(0).path("finish_reason").asString()).isEqualTo("length");
    assertThat(last.path("error_note").path("type").asString()).isEqualTo("insufficient_balance");
    long delivered =
        data.stream()
            .filter(l -> l.contains("\"content\":\"") && !l.contains("\"content\":\"\""))
            .count();
    assertThat(delivered).isLessThan(400);

    awaitFlushed(ACCOUNT, 1);
    String id = answer.requestId();
    assertThat(queryString("SELECT status FROM usage_events WHERE request_id = ?", id))
        .isEqualTo("cut_off");
    assertThat(queryLong("SELECT completion_tokens FROM usage_events WHERE request_id = ?", id))
        .isEqualTo(delivered);
    long charged = queryLong("SELECT charged_nanos FROM usage_events WHERE request_id = ?", id);
    assertThat(charged).isEqualTo(cost(PROMPT_TOKENS, delivered)).isLessThanOrEqualTo(68_000);
    // the hold grew twice (to 68 000) and was refused a third time: not a token beyond it
    assertThat(delivered).isEqualTo(30);
    assertThat(redisAccount(ACCOUNT).balance()).isEqualTo(68_000 - charged).isNotNegative();
    assertThat(redisAccount(ACCOUNT).held()).isZero();
  }
}
