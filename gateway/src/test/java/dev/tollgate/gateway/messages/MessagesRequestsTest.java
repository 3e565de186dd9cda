package dev.tollgate.gateway.messages;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.adapter.Json;
import dev.tollgate.gateway.error.GatewayException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.node.ObjectNode;

/** What the Messages API requires is checked, with a message naming the field. */
class MessagesRequestsTest {

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "no model         | {\"max_tokens\":1,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]} | model: Field required",
        "blank model      | {\"model\":\" \",\"max_tokens\":1,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]} | model: ",
        "no max_tokens    | {\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]} | max_tokens: Field required",
        "max_tokens zero  | {\"model\":\"m\",\"max_tokens\":0,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]} | max_tokens: 0 (expected: an integer from 1 to 1000000)",
        "max_tokens text  | {\"model\":\"m\",\"max_tokens\":\"9\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]} | max_tokens: ",
        "max_tokens 2^63  | {\"model\":\"m\",\"max_tokens\":9223372036854775808,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]} | max_tokens: 9223372036854775808 (expected: an integer from 1 to 1000000)",
        "huge budget      | {\"model\":\"m\",\"max_tokens\":5000,\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":99999999999999999999},\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]} | thinking.budget_tokens: 99999999999999999999",
        "no messages      | {\"model\":\"m\",\"max_tokens\":1} | messages: Field required",
        "empty messages   | {\"model\":\"m\",\"max_tokens\":1,\"messages\":[]} | messages: expected a non-empty array",
        "system role      | {\"model\":\"m\",\"max_tokens\":1,\"messages\":[{\"role\":\"system\",\"content\":\"x\"}]} | messages.0.role: \"system\" (expected: user or assistant)",
        "no content       | {\"model\":\"m\",\"max_tokens\":1,\"messages\":[{\"role\":\"user\"}]} | messages.0.content",
        "stream text      | {\"model\":\"m\",\"max_tokens\":1,\"stream\":\"yes\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]} | stream: ",
        "small budget     | {\"model\":\"m\",\"max_tokens\":5000,\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":100},\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]} | thinking.budget_tokens: 100",
        "budget over max  | {\"model\":\"m\",\"max_tokens\":2000,\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":2000},\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]} | thinking.budget_tokens: 2000",
        "temperature text | {\"model\":\"m\",\"max_tokens\":1,\"temperature\":\"hot\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]} | temperature: ",
      })
  void isRefused(String what, String json, String messageStart) {
    ObjectNode body = (ObjectNode) Json.MAPPER.readTree(json);
    assertThatThrownBy(() -> MessagesRequests.validate(body))
        .isInstanceOfSatisfying(
            GatewayException.class,
            e -> {
              assertThat(e.status()).isEqualTo(400);
              assertThat(e.getMessage()).startsWith(messageStart);
            });
  }
}
