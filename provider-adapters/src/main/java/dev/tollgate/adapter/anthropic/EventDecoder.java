package dev.tollgate.adapter.anthropic;

import dev.tollgate.adapter.UpstreamEvent;
import java.util.List;

/**
 * Reads the raw events of one Anthropic stream, as {@link ReadBatch} feeds them: the translating
 * {@link AnthropicStreamDecoder} and the pass-through {@link AnthropicNativeScanner}. One instance
 * per stream.
 */
interface EventDecoder {

  /** The events one raw event (with its blank line) becomes. */
  List<UpstreamEvent> decode(byte[] event);

  /** The upstream closed the stream: the last events, or a failure when it closed too early. */
  List<UpstreamEvent> finish();
}
