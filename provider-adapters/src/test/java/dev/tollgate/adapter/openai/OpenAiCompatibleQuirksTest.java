package dev.tollgate.adapter.openai;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.adapter.TokenUsage;
import dev.tollgate.adapter.UpstreamEvent;
import dev.tollgate.adapter.UpstreamEvent.Kind;
import dev.tollgate.adapter.UpstreamException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * Wire variants of OpenAI-compatible servers that the fixtures hold no recording of. The payloads
 * follow the servers' API documentation (DeepSeek, vLLM) or error bodies quoted in public issue
 * reports (Mistral); they are written here, not recorded.
 */
class OpenAiCompatibleQuirksTest {

  @Test
  void reasoningContentOfDeepSeekAndVllmIsReasoningNotText() {
    UpstreamEvent thinking =
        decode(
            "data: {\"id\":\"x\",\"object\":\"chat.completion.chunk\",\"model\":\"deepseek-reasoner\","
                + "\"choices\":[{\"index\":0,\"delta\":{\"content\":null,"
                + "\"reasoning_content\":\"Let me think\"},\"finish_reason\":null}]}\n\n");
    UpstreamEvent answer =
        decode(
            "data: {\"id\":\"x\",\"object\":\"chat.completion.chunk\",\"model\":\"deepseek-reasoner\","
                + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Four\","
                + "\"reasoning_content\":null},\"finish_reason\":null}]}\n\n");

    assertThat(thinking.reasoning()).isEqualTo("Let me think");
    assertThat(thinking.text()).isNull();
    assertThat(answer.text()).isEqualTo("Four");
    assertThat(answer.reasoning()).isNull();
  }

  @Test
  void deepSeekCacheHitsCountAsCachedPromptTokens() {
    UpstreamEvent usage =
        decode(
            "data: {\"id\":\"x\",\"object\":\"chat.completion.chunk\",\"choices\":[],"
                + "\"usage\":{\"prompt_tokens\":100,\"completion_tokens\":20,\"total_tokens\":120,"
                + "\"prompt_cache_hit_tokens\":64,\"prompt_cache_miss_tokens\":36,"
                + "\"completion_tokens_details\":{\"reasoning_tokens\":12}}}\n\n");

    assertThat(usage.kind()).isEqualTo(Kind.USAGE_ONLY);
    assertThat(usage.usage()).isEqualTo(new TokenUsage(100, 20, 64, 12));
  }

  @Test
  void cachedTokensAreNotTakenTwiceWhenBothFieldsAreThere() {
    UpstreamEvent usage =
        decode(
            "data: {\"object\":\"chat.completion.chunk\",\"choices\":[],\"usage\":{"
                + "\"prompt_tokens\":100,\"completion_tokens\":20,"
                + "\"prompt_tokens_details\":{\"cached_tokens\":64},"
                + "\"prompt_cache_hit_tokens\":64}}\n\n");

    assertThat(usage.usage()).isEqualTo(new TokenUsage(100, 20, 64, 0));
  }

  @Test
  void mistralValidationErrorNamesTheFieldsButNotTheInput() {
    byte[] body =
        ("{\"object\":\"error\",\"message\":{\"detail\":[{\"type\":\"extra_forbidden\","
                + "\"loc\":[\"body\",\"stream_options\"],\"msg\":\"Extra inputs are not permitted\","
                + "\"input\":{\"include_usage\":true}},{\"type\":\"extra_forbidden\","
                + "\"loc\":[\"body\",\"messages\",0,\"user\",\"name\"],"
                + "\"msg\":\"Extra inputs are not permitted\",\"input\":\"secret prompt\"}]},"
                + "\"type\":\"invalid_request_error\",\"param\":null,\"code\":null}")
            .getBytes(StandardCharsets.UTF_8);

    UpstreamException e = OpenAiErrorMapper.fromResponse(422, body);

    assertThat(e.status()).isEqualTo(422);
    assertThat(e.type()).isEqualTo("invalid_request_error");
    assertThat(e.code()).isNull();
    assertThat(e.getMessage())
        .isEqualTo(
            "Extra inputs are not permitted (body.stream_options); "
                + "Extra inputs are not permitted (body.messages.0.user.name)")
        .doesNotContain("secret prompt");
  }

  @Test
  void mistralErrorWithAStringMessageKeepsItAndItsCode() {
    byte[] body =
        ("{\"object\":\"error\",\"message\":\"Unauthorized\",\"type\":\"authentication_error\","
                + "\"param\":null,\"code\":3001}")
            .getBytes(StandardCharsets.UTF_8);

    UpstreamException e = OpenAiErrorMapper.fromResponse(401, body);

    assertThat(e.status()).isEqualTo(401);
    assertThat(e.type()).isEqualTo("authentication_error");
    assertThat(e.code()).isEqualTo("3001");
    assertThat(e.getMessage()).isEqualTo("Unauthorized");
  }

  @Test
  void aTopLevelErrorWithoutTypeGetsTheStatusDefault() {
    byte[] body = "{\"object\":\"error\"}".getBytes(StandardCharsets.UTF_8);

    UpstreamException e = OpenAiErrorMapper.fromResponse(403, body);

    assertThat(e.type()).isEqualTo("authentication_error");
    assertThat(e.getMessage()).isEqualTo("upstream answered HTTP 403");
  }

  private static UpstreamEvent decode(String event) {
    return OpenAiStreamDecoder.decode(event.getBytes(StandardCharsets.UTF_8));
  }
}
