package dev.tollgate.gateway.billing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.adapter.Json;
import dev.tollgate.gateway.support.TestServices;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufMono;
import tools.jackson.databind.JsonNode;

/**
 * {@code /v1/messages} is billed exactly as {@code /v1/chat/completions}: the same conversation
 * with the same priced model costs the same, is charged the same in the ledger and is recorded with
 * the same usage, streamed or not.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {"gateway.billing.demo.balance=1.00"})
class MessagesBillingTest extends BillingTestSupport {

  static final String ACCOUNT = "acct-messages-" + TestServices.REDIS_PREFIX;

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    billingProperties(registry, ACCOUNT);
  }

  private Answer messages(String json) {
    return client(port, 2)
        .post()
        .uri("/v1/messages")
        .send(ByteBufMono.fromString(Mono.just(json)))
        .responseSingle(
            (response, content) ->
                content
                    .asString(StandardCharsets.UTF_8)
                    .defaultIfEmpty("")
                    .map(
                        body ->
                            new Answer(
                                response.status().code(),
                                response.responseHeaders().get("x-request-id"),
                                body,
                                response.responseHeaders().get("x-gateway-cost"))))
        .block(Duration.ofSeconds(10));
  }

  @Test
  void aMessageCostsWhatTheSameChatCompletionCosts() throws Exception {
    Answer chat =
        chat(
                client(port, 2),
                "{\"model\":\"paid\",\"max_tokens\":20,"
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")
            .block(Duration.ofSeconds(10));
    Answer message =
        messages(
            "{\"model\":\"paid\",\"max_tokens\":20,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");

    assertThat(chat.status()).isEqualTo(200);
    assertThat(message.status()).isEqualTo(200);
    // 8 prompt tokens at 1.00 and 10 completion tokens at 2.00 per million
    assertThat(chat.costHeader()).isEqualTo("0.000028");
    assertThat(message.costHeader()).isEqualTo(chat.costHeader());
    JsonNode usage = Json.MAPPER.readTree(message.body()).path("usage");
    assertThat(usage.path("cost").decimalValue()).isEqualByComparingTo("0.000028");
    assertThat(usage.path("input_tokens").asLong()).isEqualTo(PROMPT_TOKENS);
    assertThat(usage.path("output_tokens").asLong()).isEqualTo(10);

    awaitFlushed(ACCOUNT, 2);
    assertSameCharge(chat.requestId(), message.requestId(), cost(PROMPT_TOKENS, 10));
  }

  @Test
  void aStreamedMessageCostsWhatTheSameStreamedChatCompletionCosts() throws Exception {
    long before = queryLong("SELECT count(*) FROM usage_events WHERE account_id = ?", ACCOUNT);
    Answer chat =
        chat(
                client(port, 2),
                "{\"model\":\"paid\",\"max_tokens\":20,\"stream\":true,"
                    + "\"stream_options\":{\"include_usage\":true},"
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")
            .block(Duration.ofSeconds(10));
    Answer message =
        messages(
            "{\"model\":\"paid\",\"max_tokens\":20,\"stream\":true,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");

    assertThat(message.status()).isEqualTo(200);
    assertThat(message.body()).contains("event: message_delta").endsWith("\n\n");
    assertThat(message.body()).contains("\"cost\":0.000028");
    assertThat(chat.body()).contains("\"cost\":0.000028");

    awaitFlushed(ACCOUNT, before + 2);
    assertSameCharge(chat.requestId(), message.requestId(), cost(PROMPT_TOKENS, 10));
  }

  private static void assertSameCharge(String chatId, String messageId, long expected) {
    String columns =
        "SELECT status || ' ' || source || ' ' || prompt_tokens || ' ' || completion_tokens"
            + " || ' ' || cost_nanos || ' ' || charged_nanos FROM usage_events WHERE request_id = ?";
    String chatRow = queryString(columns, chatId);
    assertThat(chatRow).isEqualTo("completed reported 8 10 " + expected + " " + expected);
    assertThat(queryString(columns, messageId)).isEqualTo(chatRow);
  }
}
