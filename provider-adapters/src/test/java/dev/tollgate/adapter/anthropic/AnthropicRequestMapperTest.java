package dev.tollgate.adapter.anthropic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.adapter.ChatCall;
import dev.tollgate.adapter.Json;
import dev.tollgate.adapter.UpstreamException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** Every OpenAI request field the mapper translates, and what it refuses. */
class AnthropicRequestMapperTest {

  private static final AnthropicOptions OPTIONS = AnthropicOptions.DEFAULTS;

  @Test
  void aPlainRequestGetsTheUpstreamModelAndTheDefaultMaxTokens() {
    JsonNode wire = map("{'model':'claude','messages':[{'role':'user','content':'Hi'}]}", false);

    assertThat(wire)
        .isEqualTo(
            json(
                "{'model':'claude-sonnet-4-5','max_tokens':4096,"
                    + "'messages':[{'role':'user','content':[{'type':'text','text':'Hi'}]}]}"));
  }

  @Test
  void streamingSetsTheStreamFlag() {
    JsonNode wire =
        map(
            "{'messages':[{'role':'user','content':'Hi'}],'stream':true,'stream_options':{}}",
            true);

    assertThat(wire.path("stream").asBoolean()).isTrue();
    assertThat(wire.has("stream_options")).isFalse();
  }

  @Test
  void systemAndDeveloperMessagesBecomeTheSystemPrompt() {
    JsonNode one =
        map(
            "{'messages':[{'role':'system','content':'Be brief.'},{'role':'user','content':'Hi'}]}");
    JsonNode two =
        map(
            "{'messages':[{'role':'system','content':[{'type':'text','text':'Be brief.'}]},"
                + "{'role':'user','content':'Hi'},{'role':'developer','content':'No emoji.'}]}");

    assertThat(one.path("system").asString()).isEqualTo("Be brief.");
    assertThat(one.path("messages")).hasSize(1);
    assertThat(two.path("system"))
        .isEqualTo(json("[{'type':'text','text':'Be brief.'},{'type':'text','text':'No emoji.'}]"));
  }

  @Test
  void multiPartUserContentWithImagesTranslatesPartByPart() {
    JsonNode wire =
        map(
            "{'messages':[{'role':'user','content':["
                + "{'type':'text','text':'What is this?'},"
                + "{'type':'image_url','image_url':{'url':'data:image/png;base64,iVBORw0K','detail':'low'}},"
                + "{'type':'image_url','image_url':{'url':'https://example.com/cat.jpg'}}]}]}");

    assertThat(wire.path("messages").get(0).path("content"))
        .isEqualTo(
            json(
                "[{'type':'text','text':'What is this?'},"
                    + "{'type':'image','source':{'type':'base64','media_type':'image/png','data':'iVBORw0K'}},"
                    + "{'type':'image','source':{'type':'url','url':'https://example.com/cat.jpg'}}]"));
  }

  @Test
  void assistantToolCallsBecomeToolUseAndToolResultsShareOneUserTurn() {
    JsonNode wire =
        map(
            "{'messages':[{'role':'user','content':'Weather in SF and NY?'},"
                + "{'role':'assistant','content':'Checking.','tool_calls':["
                + "{'id':'call_1','type':'function','function':{'name':'get_weather','arguments':'{\\\"city\\\":\\\"SF\\\"}'}},"
                + "{'id':'call_2','type':'function','function':{'name':'get_weather','arguments':''}}]},"
                + "{'role':'tool','tool_call_id':'call_1','content':'20C'},"
                + "{'role':'tool','tool_call_id':'call_2','content':[{'type':'text','text':'15C'}]},"
                + "{'role':'user','content':'Thanks'}]}");

    assertThat(wire.path("messages"))
        .isEqualTo(
            json(
                "[{'role':'user','content':[{'type':'text','text':'Weather in SF and NY?'}]},"
                    + "{'role':'assistant','content':[{'type':'text','text':'Checking.'},"
                    + "{'type':'tool_use','id':'call_1','name':'get_weather','input':{'city':'SF'}},"
                    + "{'type':'tool_use','id':'call_2','name':'get_weather','input':{}}]},"
                    + "{'role':'user','content':["
                    + "{'type':'tool_result','tool_use_id':'call_1','content':'20C'},"
                    + "{'type':'tool_result','tool_use_id':'call_2','content':[{'type':'text','text':'15C'}]},"
                    + "{'type':'text','text':'Thanks'}]}]"));
  }

  @Test
  void anAssistantMessageWithNullContentAndToolCallsHasOnlyToolUse() {
    JsonNode wire =
        map(
            "{'messages':[{'role':'user','content':'x'},{'role':'assistant','content':null,"
                + "'tool_calls':[{'id':'c','type':'function','function':{'name':'f','arguments':'{}'}}]}]}");

    assertThat(wire.path("messages").get(1).path("content"))
        .isEqualTo(json("[{'type':'tool_use','id':'c','name':'f','input':{}}]"));
  }

  @Test
  void functionToolsBecomeAnthropicTools() {
    JsonNode wire =
        map(
            "{'messages':[{'role':'user','content':'x'}],'tools':["
                + "{'type':'function','function':{'name':'get_weather','description':'Weather',"
                + "'parameters':{'type':'object','properties':{'city':{'type':'string'}}}}},"
                + "{'type':'function','function':{'name':'now'}}]}");

    assertThat(wire.path("tools"))
        .isEqualTo(
            json(
                "[{'name':'get_weather','description':'Weather','input_schema':"
                    + "{'type':'object','properties':{'city':{'type':'string'}}}},"
                    + "{'name':'now','input_schema':{'type':'object','properties':{}}}]"));
    assertThat(wire.has("tool_choice")).isFalse();
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '"',
      value = {
        "'auto'                                           | {'type':'auto'}",
        "'none'                                           | {'type':'none'}",
        "'required'                                       | {'type':'any'}",
        "{'type':'function','function':{'name':'now'}}    | {'type':'tool','name':'now'}"
      })
  void toolChoiceTranslates(String choice, String expected) {
    JsonNode wire = map(withTool("'tool_choice':" + choice));

    assertThat(wire.path("tool_choice")).isEqualTo(json(expected));
  }

  @Test
  void parallelToolCallsFalseDisablesParallelToolUse() {
    assertThat(map(withTool("'parallel_tool_calls':false")).path("tool_choice"))
        .isEqualTo(json("{'type':'auto','disable_parallel_tool_use':true}"));
    assertThat(
            map(withTool("'parallel_tool_calls':false,'tool_choice':'required'"))
                .path("tool_choice"))
        .isEqualTo(json("{'type':'any','disable_parallel_tool_use':true}"));
  }

  @Test
  void toolChoiceWithoutToolsIsLeftOut() {
    JsonNode wire = map("{'messages':[{'role':'user','content':'x'}],'tool_choice':'none'}");

    assertThat(wire.has("tool_choice")).isFalse();
  }

  @Test
  void stopBecomesStopSequences() {
    assertThat(map(withUser("'stop':'END'")).path("stop_sequences")).isEqualTo(json("['END']"));
    assertThat(map(withUser("'stop':['a','b']")).path("stop_sequences"))
        .isEqualTo(json("['a','b']"));
    assertThat(map(withUser("'stop':null")).has("stop_sequences")).isFalse();
  }

  @Test
  void samplingParametersAndUserCarryOver() {
    JsonNode wire =
        map(withUser("'temperature':0.3,'top_p':0.9,'user':'u-42','seed':7,'presence_penalty':1"));

    assertThat(wire.path("temperature").asDouble()).isEqualTo(0.3);
    assertThat(wire.path("top_p").asDouble()).isEqualTo(0.9);
    assertThat(wire.path("metadata")).isEqualTo(json("{'user_id':'u-42'}"));
    assertThat(wire.has("seed") || wire.has("presence_penalty")).isFalse();
  }

  @Test
  void maxCompletionTokensWinsOverMaxTokens() {
    assertThat(map(withUser("'max_tokens':100")).path("max_tokens").asLong()).isEqualTo(100);
    assertThat(
            map(withUser("'max_tokens':100,'max_completion_tokens':200"))
                .path("max_tokens")
                .asLong())
        .isEqualTo(200);
    AnthropicOptions small = new AnthropicOptions("2023-06-01", null, 512, 1 << 20);
    assertThat(
            AnthropicRequestMapper.toWire(call(withUser("'n':1")), false, small)
                .path("max_tokens")
                .asLong())
        .isEqualTo(512);
  }

  @ParameterizedTest
  @CsvSource({"minimal, 1024", "low, 2048", "medium, 8192", "high, 16384"})
  void reasoningEffortBecomesAThinkingBudgetWithRoomForTheAnswer(String effort, int budget) {
    JsonNode wire =
        map(withUser("'reasoning_effort':'" + effort + "','max_completion_tokens':1000"));

    assertThat(wire.path("thinking"))
        .isEqualTo(json("{'type':'enabled','budget_tokens':" + budget + "}"));
    assertThat(wire.path("max_tokens").asLong()).isEqualTo(budget + 1000);
  }

  @Test
  void maxTokensAboveTheBudgetStayAsTheyAre() {
    JsonNode wire = map(withUser("'reasoning_effort':'low','max_tokens':30000"));

    assertThat(wire.path("max_tokens").asLong()).isEqualTo(30000);
    assertThat(map(withUser("'reasoning_effort':'none'")).has("thinking")).isFalse();
  }

  @Test
  void theClientsBodyIsNotChanged() {
    ChatCall call = call(withUser("'stream':true,'max_tokens':5"));
    String before = call.body().toString();

    AnthropicRequestMapper.toUpstream(call, true, OPTIONS);

    assertThat(call.body().toString()).isEqualTo(before);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '"',
      value = {
        "'n':2                                                   | n",
        "'logprobs':true                                         | logprobs",
        "'top_logprobs':3                                        | top_logprobs",
        "'response_format':{'type':'json_object'}                | response_format",
        "'modalities':['text','audio']                           | modalities",
        "'audio':{'voice':'alloy'}                               | audio",
        "'logit_bias':{'50256':-100}                             | logit_bias",
        "'temperature':1.5                                       | temperature",
        "'top_p':'high'                                          | top_p",
        "'max_tokens':0                                          | max_tokens",
        "'max_completion_tokens':2.5                             | max_completion_tokens",
        "'reasoning_effort':'extreme'                            | reasoning_effort",
        "'stop':[1]                                              | stop",
        "'tools':[{'type':'web_search'}]                         | tools[0].type",
        "'tools':[{'type':'function','function':{}}]             | tools[0].function.name",
        "'tools':[{'type':'function','function':{'name':'f'}}],'tool_choice':'sometimes' | tool_choice"
      })
  void untranslatableParametersAreRefusedWithTheirName(String fields, String param) {
    assertRefused(withUser(fields), param);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '"',
      value = {
        "{'role':'function','name':'f','content':'x'}                                   | messages[0].role",
        "{'role':'user','content':[{'type':'input_audio','input_audio':{}}]}            | messages[0].content[0].type",
        "{'role':'user','content':[{'type':'image_url','image_url':{'url':'ftp://x/y.png'}}]} | messages[0].content[0].image_url.url",
        "{'role':'user','content':[{'type':'image_url','image_url':{'url':'data:image/png,AAAA'}}]} | messages[0].content[0].image_url.url",
        "{'role':'user','content':42}                                                   | messages[0].content",
        "{'role':'assistant','tool_calls':[{'id':'c','function':{'name':'f','arguments':'[1]'}}]} | messages[0].tool_calls[0].function.arguments",
        "{'role':'tool','content':'x'}                                                  | messages[0].tool_call_id"
      })
  void untranslatableMessagesAreRefusedWithTheirPath(String message, String param) {
    assertRefused("{'messages':[" + message + "]}", param);
  }

  @Test
  void noMessagesIsRefused() {
    assertRefused("{'messages':[]}", "messages");
  }

  // ---- helpers ----

  private static void assertRefused(String body, String param) {
    assertThatThrownBy(() -> map(body))
        .isInstanceOfSatisfying(
            UpstreamException.class,
            e -> {
              assertThat(e.status()).isEqualTo(400);
              assertThat(e.type()).isEqualTo("invalid_request_error");
              assertThat(e.param()).isEqualTo(param);
              assertThat(e.getMessage()).startsWith(param.replaceAll("\\[.*", "").split("\\.")[0]);
            });
  }

  private static String withUser(String fields) {
    return "{'messages':[{'role':'user','content':'x'}]," + fields + "}";
  }

  private static String withTool(String fields) {
    return withUser("'tools':[{'type':'function','function':{'name':'now'}}]," + fields);
  }

  private static JsonNode map(String body) {
    return map(body, false);
  }

  /** The request as it goes on the wire, read back (numbers as a reader sees them). */
  private static JsonNode map(String body, boolean stream) {
    return Json.MAPPER.readTree(AnthropicRequestMapper.toUpstream(call(body), stream, OPTIONS));
  }

  private static ChatCall call(String body) {
    return new ChatCall("req-1", (ObjectNode) json(body), "claude-sonnet-4-5", false);
  }

  /** JSON written with single quotes for readability. */
  private static JsonNode json(String singleQuoted) {
    return Json.MAPPER.readTree(singleQuoted.replace('\'', '"'));
  }
}
