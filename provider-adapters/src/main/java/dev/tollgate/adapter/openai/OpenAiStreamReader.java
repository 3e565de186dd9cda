package dev.tollgate.adapter.openai;

import dev.tollgate.adapter.UpstreamEvent;
import dev.tollgate.adapter.UpstreamEvent.Kind;
import dev.tollgate.adapter.UpstreamException;
import dev.tollgate.adapter.internal.EventDecoder;
import java.util.List;

/**
 * Reads one OpenAI-dialect stream: each event decoded by {@link OpenAiStreamDecoder}, the comments
 * before the first data event dropped, and a finished stream told from one the upstream cut off.
 * One instance per stream; not thread-safe.
 */
final class OpenAiStreamReader implements EventDecoder {

  private boolean data;
  private boolean done;
  private boolean finished;

  /**
   * Leading comments (OpenRouter's {@code : OPENROUTER PROCESSING} while it picks a provider) are
   * not relayed: the client would count as served, so an upstream failure before the first token
   * would reach it inside a 200 stream and be billed as a partial request. They still count as
   * reads for the timeouts. Comments after the first data event are relayed as they are.
   */
  @Override
  public List<UpstreamEvent> decode(byte[] raw) {
    UpstreamEvent event = OpenAiStreamDecoder.decode(raw);
    if (event.kind() == Kind.COMMENT) {
      return data ? List.of(event) : List.of();
    }
    data = true;
    if (event.kind() == Kind.DONE) {
      done = true;
    } else if (event.finishReason() != null || event.kind() == Kind.USAGE_ONLY) {
      finished = true;
    }
    return List.of(event);
  }

  /**
   * @throws UpstreamException when the body ended before {@code [DONE]}, a finish reason or usage
   */
  @Override
  public List<UpstreamEvent> finish() {
    if (done || finished) {
      return List.of();
    }
    throw UpstreamException.protocol("upstream closed the stream before it finished", null);
  }

  /**
   * After {@code [DONE]} the stream is complete: a read timeout or a reset while the upstream
   * closes the response is no failure of the stream the client already received in full.
   */
  @Override
  public boolean ended() {
    return done;
  }
}
