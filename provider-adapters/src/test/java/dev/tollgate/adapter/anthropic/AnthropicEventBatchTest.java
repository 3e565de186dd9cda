package dev.tollgate.adapter.anthropic;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.adapter.Fixtures;
import dev.tollgate.adapter.UpstreamEvent;
import dev.tollgate.adapter.UpstreamEvent.Kind;
import dev.tollgate.adapter.UpstreamException;
import dev.tollgate.adapter.internal.EventBatch;
import dev.tollgate.adapter.internal.EventBatch.Coalescing;
import dev.tollgate.adapter.sse.SseStreams;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

/**
 * One network read holding a whole Anthropic stream, batched as the adapter batches it ({@link
 * Coalescing#JOIN_CHUNKS}): plain chunks travel as one event, nothing is lost.
 */
class AnthropicEventBatchTest {

  @Test
  void plainChunksOfOneReadAreJoinedWithTheFinishChunkAndTheUsageStaysSeparate() {
    byte[] stream = Fixtures.bytes("anthropic/messages_stream_thinking.sse");
    List<UpstreamEvent> oneByOne = AnthropicFixtureStreams.decode(stream);

    List<UpstreamEvent> batched =
        Flux.fromIterable(
                EventBatch.last(
                    SseStreams.split(stream),
                    new AnthropicStreamDecoder(AnthropicFixtureStreams.CREATED),
                    Coalescing.JOIN_CHUNKS))
            .collectList()
            .block(Duration.ofSeconds(5));

    // the role chunk, the ping, every thinking and text delta and the finish chunk as one event
    // (as the OpenAI adapter joins them), then the usage and [DONE]
    assertThat(batched.stream().map(UpstreamEvent::kind))
        .containsExactly(Kind.CHUNK, Kind.COMMENT, Kind.CHUNK, Kind.USAGE_ONLY, Kind.DONE);
    assertThat(batched.get(2).finishReason()).isEqualTo("stop");
    assertThat(bytes(batched)).isEqualTo(bytes(oneByOne));
    assertThat(joined(batched, true)).isEqualTo(joined(oneByOne, true));
    assertThat(joined(batched, false)).isEqualTo(joined(oneByOne, false));
  }

  @Test
  void aFailureComesAfterTheEventsDecodedBeforeIt() {
    String text =
        new String(
            Fixtures.bytes("anthropic/messages_stream_text_basic.sse"), StandardCharsets.UTF_8);
    String cut = text.substring(0, text.indexOf("event: content_block_stop"));
    byte[] stream =
        (cut
                + new String(
                    Fixtures.bytes("anthropic/stream_error_overloaded.sse"),
                    StandardCharsets.UTF_8))
            .getBytes(StandardCharsets.UTF_8);

    EventBatch batch =
        EventBatch.of(
            SseStreams.split(stream),
            new AnthropicStreamDecoder(AnthropicFixtureStreams.CREATED),
            Coalescing.JOIN_CHUNKS);

    StepVerifier.create(Flux.fromIterable(batch))
        .assertNext(e -> assertThat(e.text()).isNull()) // the role chunk, joined with nothing
        .assertNext(e -> assertThat(e.kind()).isEqualTo(Kind.COMMENT))
        .assertNext(e -> assertThat(e.text()).isEqualTo("Hello there!"))
        .expectErrorSatisfies(
            e -> assertThat(((UpstreamException) e).type()).isEqualTo("overloaded_error"))
        .verify(Duration.ofSeconds(5));
  }

  private static byte[] bytes(List<UpstreamEvent> events) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    events.forEach(e -> out.writeBytes(e.bytes()));
    return out.toByteArray();
  }

  private static String joined(List<UpstreamEvent> events, boolean text) {
    return String.join(
        "",
        events.stream()
            .map(e -> text ? e.text() : e.reasoning())
            .filter(Objects::nonNull)
            .toList());
  }
}
