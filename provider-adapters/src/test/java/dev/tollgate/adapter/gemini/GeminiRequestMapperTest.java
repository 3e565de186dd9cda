package dev.tollgate.adapter.gemini;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.adapter.ChatCall;
import dev.tollgate.adapter.UpstreamException;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** Every OpenAI field the mapper translates, and the ones it refuses. */
class GeminiRequestMapperTest {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  private static final String HELLO = "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]";

  @Test
  void pathsNameTheModelAndAskForServerSentEvents() {
    assertThat(GeminiRequestMapper.path("gemini-2.5-flash", false))
        .isEqualTo("/models/gemini-2.5-flash:generateContent");
    assertThat(GeminiRequestMapper.path("models/gemini-2.5-flash", true))
        .isEqualTo("/models/gemini-2.5-flash:streamGenerateContent?alt=sse");
  }

  @Test
  void aPlainRequestIsOneUserContentAndNothingElse() {
    JsonNode out =
        map(
            "{\"model\":\"gpt\",\"stream\":true,\"stream_options\":{\"include_usage\":true},"
                + "\"user\":\"u1\","
                + HELLO
                + "}");

    assertThat(out)
        .isEqualTo(
            JSON.readTree("{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"Hi\"}]}]}"));
  }

  @Test
  void systemAndDeveloperMessagesBecomeTheSystemInstruction() {
    JsonNode out =
        map(
            "{\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},"
                + "{\"role\":\"developer\",\"content\":[{\"type\":\"text\",\"text\":\"Use French.\"}]},"
                + "{\"role\":\"user\",\"content\":\"Hi\"}]}");

    assertThat(out.path("systemInstruction"))
        .isEqualTo(
            JSON.readTree("{\"parts\":[{\"text\":\"Be brief.\"},{\"text\":\"Use French.\"}]}"));
    assertThat(out.path("contents")).hasSize(1);
  }

  @Test
  void assistantTurnsAreModelContents() {
    JsonNode out =
        map(
            "{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"},"
                + "{\"role\":\"assistant\",\"content\":\"Hello!\"},"
                + "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"Again\"}]}]}");

    assertThat(out.path("contents"))
        .isEqualTo(
            JSON.readTree(
                "[{\"role\":\"user\",\"parts\":[{\"text\":\"Hi\"}]},"
                    + "{\"role\":\"model\",\"parts\":[{\"text\":\"Hello!\"}]},"
                    + "{\"role\":\"user\",\"parts\":[{\"text\":\"Again\"}]}]"));
  }

  @Test
  void imagesAreInlineDataOrFileData() {
    JsonNode out =
        map(
            "{\"messages\":[{\"role\":\"user\",\"content\":["
                + "{\"type\":\"text\",\"text\":\"What is this?\"},"
                + "{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/png;base64,iVBORw0K\"}},"
                + "{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://example.com/cat.JPG?x=1\",\"detail\":\"low\"}},"
                + "{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://example.com/render\"}},"
                + "{\"type\":\"input_audio\",\"input_audio\":{\"data\":\"UklGR\",\"format\":\"wav\"}},"
                + "{\"type\":\"file\",\"file\":{\"file_data\":\"data:application/pdf;base64,JVBER\",\"filename\":\"a.pdf\"}}"
                + "]}]}");

    assertThat(out.path("contents").get(0).path("parts"))
        .isEqualTo(
            JSON.readTree(
                "[{\"text\":\"What is this?\"},"
                    + "{\"inlineData\":{\"mimeType\":\"image/png\",\"data\":\"iVBORw0K\"}},"
                    + "{\"fileData\":{\"mimeType\":\"image/jpeg\",\"fileUri\":\"https://example.com/cat.JPG?x=1\"}},"
                    + "{\"fileData\":{\"fileUri\":\"https://example.com/render\"}},"
                    + "{\"inlineData\":{\"mimeType\":\"audio/wav\",\"data\":\"UklGR\"}},"
                    + "{\"inlineData\":{\"mimeType\":\"application/pdf\",\"data\":\"JVBER\"}}]"));
  }

  @Test
  void toolCallsAndToolAnswersAreFunctionCallsAndResponses() {
    JsonNode out =
        map(
            "{\"messages\":[{\"role\":\"user\",\"content\":\"Weather in Paris and Rome?\"},"
                + "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":["
                + "{\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"},"
                + "\"extra_content\":{\"google\":{\"thought_signature\":\"sig==\"}}},"
                + "{\"id\":\"call_2\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\":\\\"Rome\\\"}\"}}]},"
                + "{\"role\":\"tool\",\"tool_call_id\":\"call_1\",\"content\":\"{\\\"celsius\\\":21}\"},"
                + "{\"role\":\"tool\",\"tool_call_id\":\"call_2\",\"content\":\"sunny\"}]}");

    assertThat(out.path("contents"))
        .isEqualTo(
            JSON.readTree(
                "[{\"role\":\"user\",\"parts\":[{\"text\":\"Weather in Paris and Rome?\"}]},"
                    + "{\"role\":\"model\",\"parts\":["
                    + "{\"functionCall\":{\"name\":\"get_weather\",\"args\":{\"city\":\"Paris\"}},\"thoughtSignature\":\"sig==\"},"
                    + "{\"functionCall\":{\"name\":\"get_weather\",\"args\":{\"city\":\"Rome\"}}}]},"
                    // both answers travel in one content, named after the calls
                    + "{\"role\":\"user\",\"parts\":["
                    + "{\"functionResponse\":{\"name\":\"get_weather\",\"response\":{\"celsius\":21}}},"
                    + "{\"functionResponse\":{\"name\":\"get_weather\",\"response\":{\"result\":\"sunny\"}}}]}]"));
  }

  @Test
  void aTurnWhoseCallsLostTheirSignatureGetsTheDocumentedStandIn() {
    JsonNode out =
        map(
            "{\"messages\":[{\"role\":\"user\",\"content\":\"Weather?\"},"
                + "{\"role\":\"assistant\",\"tool_calls\":["
                + "{\"id\":\"a\",\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}},"
                + "{\"id\":\"b\",\"type\":\"function\",\"function\":{\"name\":\"g\",\"arguments\":\"\"}}]},"
                + "{\"role\":\"tool\",\"tool_call_id\":\"a\",\"content\":\"1\"},"
                + "{\"role\":\"tool\",\"tool_call_id\":\"b\",\"content\":\"2\"}]}");

    JsonNode parts = out.path("contents").get(1).path("parts");
    assertThat(parts.get(0).path("thoughtSignature").asString())
        .isEqualTo("skip_thought_signature_validator");
    assertThat(parts.get(1).has("thoughtSignature")).isFalse();
    assertThat(parts.get(1).path("functionCall").path("args")).isEqualTo(JSON.readTree("{}"));
  }

  @Test
  void toolsAreFunctionDeclarationsWithTheirJsonSchema() {
    JsonNode out =
        map(
            "{"
                + HELLO
                + ",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
                + "\"description\":\"Weather now\",\"strict\":true,\"parameters\":{\"type\":\"object\","
                + "\"properties\":{\"city\":{\"type\":\"string\"}},\"required\":[\"city\"],"
                + "\"additionalProperties\":false}}},"
                + "{\"type\":\"function\",\"function\":{\"name\":\"now\"}}]}");

    assertThat(out.path("tools"))
        .isEqualTo(
            JSON.readTree(
                "[{\"functionDeclarations\":[{\"name\":\"get_weather\",\"description\":\"Weather now\","
                    + "\"parametersJsonSchema\":{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}},"
                    + "\"required\":[\"city\"],\"additionalProperties\":false}},{\"name\":\"now\"}]}]"));
  }

  @Test
  void toolChoiceIsTheFunctionCallingMode() {
    Map<String, String> cases =
        Map.of(
            "\"auto\"",
            "{\"mode\":\"AUTO\"}",
            "\"none\"",
            "{\"mode\":\"NONE\"}",
            "\"required\"",
            "{\"mode\":\"ANY\"}",
            "{\"type\":\"function\",\"function\":{\"name\":\"get_weather\"}}",
            "{\"mode\":\"ANY\",\"allowedFunctionNames\":[\"get_weather\"]}");
    cases.forEach(
        (choice, config) ->
            assertThat(map("{" + HELLO + ",\"tool_choice\":" + choice + "}").path("toolConfig"))
                .as(choice)
                .isEqualTo(JSON.readTree("{\"functionCallingConfig\":" + config + "}")));
  }

  @Test
  void samplingSettingsGoToTheGenerationConfig() {
    JsonNode out =
        map(
            "{"
                + HELLO
                + ",\"temperature\":0.2,\"top_p\":0.9,\"max_tokens\":100,\"stop\":\"END\","
                + "\"n\":1,\"seed\":7,\"presence_penalty\":0.5,\"frequency_penalty\":0.25}");

    assertThat(out.path("generationConfig"))
        .isEqualTo(
            JSON.readTree(
                "{\"temperature\":0.2,\"topP\":0.9,\"presencePenalty\":0.5,\"frequencyPenalty\":0.25,"
                    + "\"seed\":7,\"maxOutputTokens\":100,\"stopSequences\":[\"END\"]}"));
  }

  @Test
  void maxCompletionTokensWinsOverMaxTokensAndStopMayBeAList() {
    JsonNode config =
        map("{"
                + HELLO
                + ",\"max_tokens\":100,\"max_completion_tokens\":300,\"stop\":[\"a\",\"b\"]}")
            .path("generationConfig");

    assertThat(config.path("maxOutputTokens").asInt()).isEqualTo(300);
    assertThat(config.path("stopSequences")).isEqualTo(JSON.readTree("[\"a\",\"b\"]"));
  }

  @Test
  void responseFormatsAskForJson() {
    assertThat(
            map("{" + HELLO + ",\"response_format\":{\"type\":\"json_object\"}}")
                .path("generationConfig"))
        .isEqualTo(JSON.readTree("{\"responseMimeType\":\"application/json\"}"));
    assertThat(
            map("{" + HELLO + ",\"response_format\":{\"type\":\"text\"}}").has("generationConfig"))
        .isFalse();
    assertThat(
            map("{"
                    + HELLO
                    + ",\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"x\","
                    + "\"strict\":true,\"schema\":{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"integer\"}}}}}}")
                .path("generationConfig"))
        .isEqualTo(
            JSON.readTree(
                "{\"responseMimeType\":\"application/json\",\"responseJsonSchema\":{\"type\":\"object\","
                    + "\"properties\":{\"a\":{\"type\":\"integer\"}}}}"));
  }

  @Test
  void reasoningEffortIsAThinkingBudgetWithThoughtsIncluded() {
    Map<String, String> cases =
        Map.of(
            "none", "{\"thinkingBudget\":0}",
            "minimal", "{\"thinkingBudget\":512,\"includeThoughts\":true}",
            "low", "{\"thinkingBudget\":1024,\"includeThoughts\":true}",
            "medium", "{\"thinkingBudget\":8192,\"includeThoughts\":true}",
            "high", "{\"thinkingBudget\":24576,\"includeThoughts\":true}");
    cases.forEach(
        (effort, thinking) ->
            assertThat(
                    map("{" + HELLO + ",\"reasoning_effort\":\"" + effort + "\"}")
                        .path("generationConfig")
                        .path("thinkingConfig"))
                .as(effort)
                .isEqualTo(JSON.readTree(thinking)));
  }

  @Test
  void whatCannotBeTranslatedIsRefusedNamingTheParameter() {
    Map<String, String> refused =
        Map.ofEntries(
            Map.entry("{" + HELLO + ",\"n\":2}", "n"),
            Map.entry("{" + HELLO + ",\"logprobs\":true}", "logprobs"),
            Map.entry("{" + HELLO + ",\"top_logprobs\":3}", "top_logprobs"),
            Map.entry("{" + HELLO + ",\"logit_bias\":{\"50256\":-100}}", "logit_bias"),
            Map.entry("{" + HELLO + ",\"functions\":[{\"name\":\"f\"}]}", "functions"),
            Map.entry("{" + HELLO + ",\"modalities\":[\"text\",\"audio\"]}", "modalities"),
            Map.entry("{" + HELLO + ",\"reasoning_effort\":\"extreme\"}", "reasoning_effort"),
            Map.entry("{" + HELLO + ",\"temperature\":\"hot\"}", "temperature"),
            Map.entry("{" + HELLO + ",\"max_tokens\":0}", "max_tokens"),
            Map.entry("{" + HELLO + ",\"stop\":[1]}", "stop"),
            Map.entry(
                "{" + HELLO + ",\"response_format\":{\"type\":\"grammar\"}}",
                "response_format.type"),
            Map.entry("{" + HELLO + ",\"tools\":[{\"type\":\"web_search\"}]}", "tools[0].type"),
            Map.entry("{" + HELLO + ",\"tool_choice\":\"sometimes\"}", "tool_choice"),
            Map.entry("{\"messages\":[]}", "messages"),
            Map.entry("{\"messages\":[{\"role\":\"system\",\"content\":\"x\"}]}", "messages"),
            Map.entry(
                "{\"messages\":[{\"role\":\"function\",\"content\":\"x\"}]}", "messages[0].role"),
            Map.entry(
                "{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":{\"url\":\"ftp://x/y.png\"}}]}]}",
                "messages[0].content[0].image_url.url"),
            Map.entry(
                "{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/png,raw\"}}]}]}",
                "messages[0].content[0].image_url.url"),
            Map.entry(
                "{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"file\",\"file\":{\"file_id\":\"file-1\"}}]}]}",
                "messages[0].content[0].file"),
            Map.entry(
                "{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"video\"}]}]}",
                "messages[0].content[0].type"),
            Map.entry(
                "{\"messages\":[{\"role\":\"system\",\"content\":[{\"type\":\"image_url\"}]},{\"role\":\"user\",\"content\":\"x\"}]}",
                "messages[0].content[0].type"),
            Map.entry(
                "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"},{\"role\":\"tool\",\"tool_call_id\":\"nope\",\"content\":\"1\"}]}",
                "messages[1].tool_call_id"),
            Map.entry(
                "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"},{\"role\":\"assistant\",\"tool_calls\":"
                    + "[{\"id\":\"c\",\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"[1]\"}}]}]}",
                "messages[1].tool_calls[0].function.arguments"));
    refused.forEach(
        (body, param) ->
            assertThatThrownBy(() -> map(body))
                .as(body)
                .isInstanceOfSatisfying(
                    UpstreamException.class,
                    e -> {
                      assertThat(e.status()).isEqualTo(400);
                      assertThat(e.type()).isEqualTo("invalid_request_error");
                      assertThat(e.param()).isEqualTo(param);
                      assertThat(e.getMessage())
                          .startsWith(param.startsWith("messages") ? "messages" : param);
                    }));
  }

  @Test
  void emptyAssistantTurnsAreLeftOutAndEmptyOptionalListsAreNoRequest() {
    JsonNode out =
        map(
            "{\"messages\":[{\"role\":\"user\",\"content\":\"a\"},{\"role\":\"assistant\",\"content\":\"\"},"
                + "{\"role\":\"user\",\"content\":\"b\"}],\"tools\":[],\"logit_bias\":{},\"n\":null}");

    assertThat(out)
        .isEqualTo(
            JSON.readTree(
                "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"a\"},{\"text\":\"b\"}]}]}"));
  }

  @Test
  void toUpstreamSerializesTheTranslation() {
    ChatCall call =
        new ChatCall(
            "req-1",
            (ObjectNode) JSON.readTree("{\"model\":\"x\"," + HELLO + "}"),
            "gemini-2.5-flash",
            false);

    assertThat(JSON.readTree(GeminiRequestMapper.toUpstream(call)))
        .isEqualTo(
            JSON.readTree("{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"Hi\"}]}]}"));
  }

  private static JsonNode map(String openAiBody) {
    return GeminiRequestMapper.toGemini((ObjectNode) JSON.readTree(openAiBody));
  }
}
