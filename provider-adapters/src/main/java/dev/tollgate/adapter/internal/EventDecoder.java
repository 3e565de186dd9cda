package dev.tollgate.adapter.internal;

import dev.tollgate.adapter.UpstreamEvent;
import java.util.List;

/**
 * Reads the raw server-sent events of one upstream stream, as {@link UpstreamTransport#stream}
 * feeds them (through {@link EventBatch}): each adapter's decoder for its dialect. One instance per
 * stream, made inside the stream's {@code Flux.defer}; not thread-safe.
 */
public interface EventDecoder {

  /**
   * The events one raw event (with its blank line) becomes: often one, none for what is not
   * relayed.
   *
   * @throws dev.tollgate.adapter.UpstreamException for an error event or an event that breaks the
   *     protocol
   */
  List<UpstreamEvent> decode(byte[] event);

  /**
   * The upstream's body ended: the last events (a dialect without a closing event gets its closing
   * chunks here).
   *
   * @throws dev.tollgate.adapter.UpstreamException when the stream ended before it finished
   */
  List<UpstreamEvent> finish();

  /**
   * Whether the upstream already said the stream is complete ({@code [DONE]}, {@code
   * message_stop}). A failure after that, a read timeout or a reset while the upstream closes the
   * response, ends the stream quietly: the client already has all of it.
   */
  default boolean ended() {
    return false;
  }
}
