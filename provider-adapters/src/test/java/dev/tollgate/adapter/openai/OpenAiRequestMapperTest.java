package dev.tollgate.adapter.openai;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.adapter.ChatCall;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

class OpenAiRequestMapperTest {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  private static final String CLIENT_REQUEST =
      """
      {"model":"fast","messages":[{"role":"user","content":"Hi"}],"temperature":0.2,
       "metadata":{"team":"search"},"x_vendor_flag":[1,"two",null],"n":1}""";

  @Test
  void swapsTheModelAndKeepsEverythingElseInPlace() {
    JsonNode sent = send(CLIENT_REQUEST, false, true);

    ObjectNode expected = parse(CLIENT_REQUEST);
    expected.put("model", "gpt-4o-2024-08-06");
    assertThat(sent).isEqualTo(expected);
    assertThat(fieldNames(sent))
        .containsExactly("model", "messages", "temperature", "metadata", "x_vendor_flag", "n");
  }

  @Test
  void streamAsksForTheUsageChunk() {
    JsonNode sent = send(CLIENT_REQUEST, true, true);

    ObjectNode expected = parse(CLIENT_REQUEST);
    expected.put("model", "gpt-4o-2024-08-06");
    expected.put("stream", true);
    expected.putObject("stream_options").put("include_usage", true);
    assertThat(sent).isEqualTo(expected);
  }

  @Test
  void streamKeepsTheClientsOtherStreamOptions() {
    String request =
        """
        {"model":"fast","messages":[],"stream":true,
         "stream_options":{"include_obfuscation":false}}""";

    JsonNode sent = send(request, true, true);

    assertThat(sent.path("stream_options"))
        .isEqualTo(parse("{\"include_obfuscation\":false,\"include_usage\":true}"));
  }

  @Test
  void streamAsksForUsageEvenWhenTheClientDidNot() {
    // the gateway meters every stream; ChatCall.includeUsage remembers whether to relay the chunk
    String request =
        "{\"model\":\"fast\",\"messages\":[],\"stream\":true,"
            + "\"stream_options\":{\"include_usage\":false}}";

    JsonNode sent = send(request, true, true);

    assertThat(sent.path("stream_options")).isEqualTo(parse("{\"include_usage\":true}"));
  }

  @Test
  void streamWithoutAskingForUsageAddsNoStreamOptions() {
    JsonNode sent = send(CLIENT_REQUEST, true, false);

    assertThat(sent.path("stream").asBoolean()).isTrue();
    assertThat(sent.has("stream_options")).isFalse();
  }

  @Test
  void nonStreamRemovesStreamOptions() {
    String request =
        "{\"model\":\"fast\",\"messages\":[],\"stream\":true,"
            + "\"stream_options\":{\"include_usage\":true},\"user\":\"u1\"}";

    JsonNode sent = send(request, false, true);

    assertThat(sent)
        .isEqualTo(
            parse(
                "{\"model\":\"gpt-4o-2024-08-06\",\"messages\":[],\"stream\":false,\"user\":\"u1\"}"));
  }

  @Test
  void nonStreamAddsNoStreamFlagTheClientDidNotSend() {
    JsonNode sent = send(CLIENT_REQUEST, false, true);

    assertThat(sent.has("stream")).isFalse();
    assertThat(sent.has("stream_options")).isFalse();
  }

  @Test
  void aServerThatRejectsStreamOptionsGetsNoneEvenWhenTheClientSentThem() {
    JsonNode sent =
        send(
            "{\"model\":\"fast\",\"messages\":[],\"stream_options\":{\"include_usage\":true}}",
            true,
            false);

    assertThat(sent.has("stream_options")).isFalse();
    assertThat(sent.path("stream").asBoolean()).isTrue();
  }

  private static JsonNode send(String request, boolean stream, boolean askForUsage) {
    ChatCall call = new ChatCall("req-1", parse(request), "gpt-4o-2024-08-06", false);
    byte[] body = OpenAiRequestMapper.toUpstream(call, stream, askForUsage);
    return JSON.readTree(body);
  }

  private static ObjectNode parse(String json) {
    return (ObjectNode) JSON.readTree(json);
  }

  private static List<String> fieldNames(JsonNode node) {
    return node.propertyNames().stream().toList();
  }
}
