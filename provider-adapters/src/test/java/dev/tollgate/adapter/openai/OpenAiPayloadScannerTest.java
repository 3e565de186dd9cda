package dev.tollgate.adapter.openai;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.adapter.Fixtures;
import dev.tollgate.adapter.TokenUsage;
import dev.tollgate.adapter.openai.OpenAiPayloadScanner.Scan;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** Non-streaming bodies, read the way {@code OpenAiCompatibleAdapter.complete} reads them. */
class OpenAiPayloadScannerTest {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  @Test
  void chatCompletion() {
    byte[] body = Fixtures.bytes("openai/chat_completion.json");

    Scan scan = OpenAiPayloadScanner.scan(body, 0, body.length);

    assertThat(scan.usage).isEqualTo(new TokenUsage(14, 37, 0, 0));
    assertThat(scan.text()).isEqualTo(content(body)).startsWith("I'm unable to provide");
    assertThat(scan.reasoning()).isNull();
    assertThat(scan.finishReason).isEqualTo("stop");
    assertThat(scan.choices).isEqualTo(1);
    assertThat(scan.hasError).isFalse();
  }

  @Test
  void reasoningModelCompletionReportsReasoningTokens() {
    byte[] body = Fixtures.bytes("openai/chat_completion_reasoning_o3_mini.json");

    Scan scan = OpenAiPayloadScanner.scan(body, 0, body.length);

    assertThat(scan.usage).isEqualTo(new TokenUsage(13, 238, 0, 192));
    assertThat(scan.text()).isEqualTo(content(body)).startsWith("The capital of Mexico");
    assertThat(scan.finishReason).isEqualTo("stop");
  }

  @Test
  void mistralCompletionReadsCachedTokensAndNonAsciiText() {
    byte[] body = Fixtures.bytes("mistral/chat_completion.json");

    Scan scan = OpenAiPayloadScanner.scan(body, 0, body.length);

    // the recording reports prompt_tokens_details.cached_tokens: 0
    assertThat(scan.usage).isEqualTo(new TokenUsage(4, 36, 0, 0));
    assertThat(scan.text()).isEqualTo(content(body)).contains("😊");
    assertThat(scan.finishReason).isEqualTo("stop");
  }

  @Test
  void cachedTokensAreReadFromPromptTokensDetails() {
    // the same Mistral body with a cache hit, to see the field is read and not defaulted to 0
    ObjectNode tree = (ObjectNode) JSON.readTree(Fixtures.bytes("mistral/chat_completion.json"));
    ((ObjectNode) tree.path("usage").path("prompt_tokens_details")).put("cached_tokens", 3);
    byte[] body = JSON.writeValueAsBytes(tree);

    Scan scan = OpenAiPayloadScanner.scan(body, 0, body.length);

    assertThat(scan.usage).isEqualTo(new TokenUsage(4, 36, 3, 0));
  }

  @Test
  void scansOnlyTheGivenRange() {
    byte[] json = Fixtures.bytes("openai/chat_completion.json");
    byte[] padded = new byte[json.length + 10];
    java.util.Arrays.fill(padded, (byte) '#');
    System.arraycopy(json, 0, padded, 6, json.length);

    Scan scan = OpenAiPayloadScanner.scan(padded, 6, json.length);

    assertThat(scan.usage).isEqualTo(new TokenUsage(14, 37, 0, 0));
  }

  private static String content(byte[] body) {
    JsonNode message = JSON.readTree(body).path("choices").path(0).path("message");
    return message.path("content").asString();
  }
}
