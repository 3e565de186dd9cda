package dev.tollgate.adapter.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.tollgate.adapter.TokenUsage;
import dev.tollgate.adapter.UpstreamEvent;
import dev.tollgate.adapter.openai.OpenAiFixtureStreams.Decoded;
import dev.tollgate.adapter.tokens.TokenEstimator;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * How close the local estimate (what the gateway meters while a stream runs, and bills when an
 * upstream never reports usage) comes to what the upstream reported. The estimate is the sum of
 * {@link TokenEstimator#count} over each event's text, as it is metered event by event.
 */
class LocalEstimateTest {

  private static final TokenEstimator TOKENS = TokenEstimator.shared();

  @Test
  void textStreamEstimateIsWithinTenPercentOfTheReportedCompletionTokens() {
    List<Decoded> events =
        OpenAiFixtureStreams.decodeAll("openai/chat_stream_text_include_usage.sse");

    long estimate = perEvent(events, UpstreamEvent::text);

    // Tolerance: 10% of the reported count. Observed with jtokkit's o200k_base (gpt-4o's own
    // encoding): exactly 30, since each of the 30 content deltas is one token.
    assertThat(reported(events).completionTokens()).isEqualTo(30);
    assertThat(estimate).isCloseTo(30, within(3L));
    assertThat(events.stream().filter(d -> d.decoded().text() != null)).hasSize(30);
  }

  @Test
  void visibleOutputOfAReasoningModelIsEstimatedWithinOnePercent() {
    List<Decoded> events =
        OpenAiFixtureStreams.decodeAll("openai/responses_stream_reasoning_summary.sse");
    TokenUsage usage = reported(events);

    long visible = usage.completionTokens() - usage.reasoningTokens(); // 1680 - 1408
    long estimate = perEvent(events, UpstreamEvent::text);

    // Observed: 271 against 272. The 1408 reasoning tokens are hidden: the streamed summary is not
    // the reasoning, so it cannot be used to estimate them.
    assertThat(visible).isEqualTo(272);
    assertThat(estimate).isCloseTo(visible, within(3L));
    assertThat(perEvent(events, UpstreamEvent::reasoning)).isLessThan(usage.reasoningTokens() / 2);
  }

  /**
   * Tool calls are underestimated: the upstream counts some framing around a call that is not in
   * the streamed name and arguments. Observed: 7 tokens in each of these three streams (one call,
   * one call, two parallel calls).
   */
  @ParameterizedTest
  @CsvSource({
    "openai/chat_stream_tool_call.sse, 16, 9",
    "openai/chat_stream_tool_call_2026.sse, 15, 8",
    "openai/chat_stream_parallel_tool_calls.sse, 60, 53"
  })
  void toolCallEstimatesFallShortByTheCallFraming(String fixture, long reported, long observed) {
    List<Decoded> events = OpenAiFixtureStreams.decodeAll(fixture);

    long estimate = perEvent(events, UpstreamEvent::text);

    assertThat(reported(events).completionTokens()).isEqualTo(reported);
    assertThat(estimate).isEqualTo(observed);
    assertThat(reported - estimate).isBetween(0L, 7L);
  }

  private static long perEvent(
      List<Decoded> events, java.util.function.Function<UpstreamEvent, String> field) {
    return events.stream()
        .map(d -> field.apply(d.decoded()))
        .filter(Objects::nonNull)
        .mapToLong(TOKENS::count)
        .sum();
  }

  private static TokenUsage reported(List<Decoded> events) {
    return events.stream()
        .map(d -> d.decoded().usage())
        .filter(Objects::nonNull)
        .findFirst()
        .orElseThrow();
  }
}
