package dev.tollgate.gateway.relay;

import dev.tollgate.adapter.UpstreamEvent;
import dev.tollgate.adapter.UpstreamException;
import org.jspecify.annotations.Nullable;

/**
 * Writes one stream's events in the client's dialect: {@link StreamRelay} meters each upstream
 * event and hands it here for the bytes the client gets. One instance per stream; calls arrive one
 * at a time (Reactor serializes them), so an encoder may keep per-stream state in plain fields.
 *
 * <p>The OpenAI encoder ({@link OpenAiStreamEncoder}) passes the upstream's bytes through; the
 * Anthropic Messages one translates OpenAI chunks into its own events, or passes through the events
 * of an upstream that speaks the Messages API ({@code UpstreamEvent.Kind.NATIVE}).
 */
public interface StreamEncoder {

  /**
   * The bytes for one metered upstream event.
   *
   * @return what the client gets for it (one or more whole events), or null when it gets nothing
   */
  byte @Nullable [] encode(UpstreamEvent event);

  /**
   * The upstream's stream ended normally.
   *
   * @return bytes that close the client's stream, or null when nothing is missing
   */
  byte @Nullable [] end();

  /** The last bytes when the gateway stopped the stream because the account's funds ran out. */
  default byte[] cutOff() {
    return cutOff(CutReason.FUNDS);
  }

  /**
   * The last bytes when the gateway stopped the stream (the funds ran out, the gateway is shutting
   * down): the stream's ending with a stop reason and a note saying why, then what closes it.
   */
  byte[] cutOff(CutReason reason);

  /** The last bytes when the stream failed after the client got its first event. */
  byte[] error(UpstreamException failure);
}
