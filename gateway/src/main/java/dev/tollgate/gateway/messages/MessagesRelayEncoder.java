package dev.tollgate.gateway.messages;

import dev.tollgate.adapter.UpstreamEvent;
import dev.tollgate.adapter.UpstreamException;
import dev.tollgate.gateway.relay.CutReason;
import dev.tollgate.gateway.relay.StreamEncoder;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The encoder of a {@code /v1/messages} stream, which routing may have sent to an upstream that
 * speaks the Messages API (native events, passed through) or to one that was asked in the OpenAI
 * dialect (chunks, translated). The first event decides: once it reached the client, the router
 * never tries another deployment, so one stream's events are all of one kind. Before any event (a
 * cut-off or failure at once) the translating encoder writes the whole Anthropic stream.
 */
final class MessagesRelayEncoder implements StreamEncoder {

  private final StreamEncoder translating;
  private final StreamEncoder passThrough;
  private @Nullable StreamEncoder chosen;

  MessagesRelayEncoder(StreamEncoder translating, StreamEncoder passThrough) {
    this.translating = Objects.requireNonNull(translating, "translating");
    this.passThrough = Objects.requireNonNull(passThrough, "passThrough");
  }

  @Override
  public byte @Nullable [] encode(UpstreamEvent event) {
    StreamEncoder encoder = chosen;
    if (encoder == null) {
      encoder = event.kind() == UpstreamEvent.Kind.NATIVE ? passThrough : translating;
      chosen = encoder;
    }
    return encoder.encode(event);
  }

  @Override
  public byte @Nullable [] end() {
    return current().end();
  }

  @Override
  public byte[] cutOff(CutReason reason) {
    return current().cutOff(reason);
  }

  @Override
  public byte[] error(UpstreamException failure) {
    return current().error(failure);
  }

  private StreamEncoder current() {
    StreamEncoder encoder = chosen;
    return encoder != null ? encoder : translating;
  }
}
