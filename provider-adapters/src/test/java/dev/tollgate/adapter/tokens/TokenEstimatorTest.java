package dev.tollgate.adapter.tokens;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Prompt counting follows OpenAI's documented recipe: 3 tokens to prime the reply, 3 to frame each
 * message, 1 more for a name, plus the tokens of the role and of every text. The expected values
 * are built from that recipe and from {@link TokenEstimator#count} of the pieces; the few absolute
 * counts rest on words that are single tokens in {@code o200k_base}.
 */
class TokenEstimatorTest {

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final TokenEstimator TOKENS = TokenEstimator.shared();

  @Test
  void countsText() {
    assertThat(TOKENS.count("")).isZero();
    // common English words, with their leading space, are one token each
    assertThat(TOKENS.count("Hello")).isEqualTo(1);
    assertThat(TOKENS.count("Hello world")).isEqualTo(2);
    assertThat(TOKENS.count("user")).isEqualTo(1);
    assertThat(TOKENS.count("assistant")).isEqualTo(1);
  }

  @Test
  void embeddingsInputInEveryShape() {
    assertThat(TOKENS.countEmbeddingsInput(json("\"Hello world\""))).isEqualTo(2);
    assertThat(TOKENS.countEmbeddingsInput(json("[\"Hello\", \"Hello world\"]"))).isEqualTo(3);
    // token ids count as they are
    assertThat(TOKENS.countEmbeddingsInput(json("[15339, 1917, 0]"))).isEqualTo(3);
    assertThat(TOKENS.countEmbeddingsInput(json("[[15339, 1917], [1]]"))).isEqualTo(3);
  }

  @Test
  void specialTokenTextIsCountedAsOrdinaryText() {
    // a prompt may contain the text of a special token; it must not fail or count as one token
    assertThat(TOKENS.count("<|endoftext|>")).isGreaterThan(1);
  }

  @Test
  void emptyRequestIsTheReplyPrimingOnly() {
    assertThat(TOKENS.countPrompt(json("{}"))).isEqualTo(3);
    assertThat(TOKENS.countPrompt(json("{\"messages\":[]}"))).isEqualTo(3);
  }

  @Test
  void oneStringMessage() {
    // 3 (reply) + 3 (message) + "user" (1) + "Hello" (1)
    assertThat(
            TOKENS.countPrompt(json("{\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}")))
        .isEqualTo(8);
  }

  @Test
  void severalStringMessages() {
    String system = "You are a terse assistant. Answer in one line.";
    String user = "What is the capital of France?";
    JsonNode request =
        json(
            """
            {"messages":[{"role":"system","content":"%s"},{"role":"user","content":"%s"}]}"""
                .formatted(system, user));

    long expected =
        3 + (3 + TOKENS.count("system") + TOKENS.count(system)) + (3 + 1 + TOKENS.count(user));

    assertThat(TOKENS.countPrompt(request)).isEqualTo(expected);
  }

  @Test
  void multiPartContentCountsItsTextPartsOnly() {
    JsonNode request =
        json(
            """
            {"messages":[{"role":"user","content":[
              {"type":"text","text":"What is in this image?"},
              {"type":"image_url","image_url":{"url":"https://example.com/fox.png","detail":"low"}},
              {"type":"text","text":" Answer briefly."}]}]}""");

    long expected =
        3 + 3 + 1 + TOKENS.count("What is in this image?") + TOKENS.count(" Answer briefly.");

    assertThat(TOKENS.countPrompt(request)).isEqualTo(expected);
  }

  @Test
  void aNameAddsOneTokenAndItsText() {
    JsonNode anonymous = json("{\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}");
    JsonNode named =
        json(
            "{\"messages\":[{\"role\":\"user\",\"name\":\"ada_lovelace\",\"content\":\"Hello\"}]}");

    assertThat(TOKENS.countPrompt(named) - TOKENS.countPrompt(anonymous))
        .isEqualTo(1 + TOKENS.count("ada_lovelace"));
  }

  @Test
  void toolCallsCountTheirFunctionNameAndArguments() {
    String arguments = "{\"city\":\"Paris\",\"unit\":\"celsius\"}";
    JsonNode request =
        json(
            """
            {"messages":[
              {"role":"user","content":"Weather in Paris?"},
              {"role":"assistant","content":null,"tool_calls":[{"id":"call_abc123","type":"function",
                "function":{"name":"get_weather","arguments":%s}}]},
              {"role":"tool","tool_call_id":"call_abc123","content":"18 C, clear"}]}"""
                .formatted(JSON.writeValueAsString(arguments)));

    long expected =
        3
            + (3 + 1 + TOKENS.count("Weather in Paris?"))
            // a null content counts nothing; the call id and type are not counted
            + (3 + 1 + TOKENS.count("get_weather") + TOKENS.count(arguments))
            + (3 + TOKENS.count("tool") + TOKENS.count("18 C, clear"));

    assertThat(TOKENS.countPrompt(request)).isEqualTo(expected);
  }

  @Test
  void toolDefinitionsCountAsTheirCompactJson() {
    String tools =
        """
        [{"type":"function","function":{"name":"get_weather","description":"Current weather",
          "parameters":{"type":"object","properties":{"city":{"type":"string"}},
          "required":["city"]}}}]""";
    JsonNode without = json("{\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}");
    JsonNode with =
        json("{\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}],\"tools\":" + tools + "}");

    String compact = JSON.writeValueAsString(JSON.readTree(tools));
    assertThat(compact).doesNotContain("\n").startsWith("[{\"type\":\"function\"");

    assertThat(TOKENS.countPrompt(with) - TOKENS.countPrompt(without))
        .isEqualTo(TOKENS.count(compact));
  }

  private static JsonNode json(String s) {
    return JSON.readTree(s);
  }
}
