package dev.tollgate.adapter.gemini;

import dev.tollgate.adapter.UpstreamEvent;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.jspecify.annotations.Nullable;

/**
 * The OpenAI events translated from one network read of a Gemini stream. When an event fails to
 * translate (an error event, bad JSON, a stream cut off), the events before it still come first and
 * the failure after them (thrown by the iterator), as they would have one by one: what reached the
 * client is metered.
 */
final class TranslatedRead implements Iterable<UpstreamEvent> {

  private final List<UpstreamEvent> events;
  private final @Nullable RuntimeException failure;

  private TranslatedRead(List<UpstreamEvent> events, @Nullable RuntimeException failure) {
    this.events = events;
    this.failure = failure;
  }

  /**
   * @param last whether the upstream's body ended with these events: the decoder then adds the
   *     stream's closing events
   */
  static TranslatedRead of(GeminiStreamDecoder decoder, List<byte[]> raw, boolean last) {
    List<UpstreamEvent> events = new ArrayList<>(raw.size() + (last ? 3 : 0));
    try {
      for (byte[] event : raw) {
        events.addAll(decoder.decode(event));
      }
      if (last) {
        events.addAll(decoder.finish());
      }
    } catch (RuntimeException e) {
      return new TranslatedRead(events, e);
    }
    return new TranslatedRead(events, null);
  }

  @Override
  public Iterator<UpstreamEvent> iterator() {
    RuntimeException error = failure;
    if (error == null) {
      return events.iterator();
    }
    Iterator<UpstreamEvent> it = events.iterator();
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        if (it.hasNext()) {
          return true;
        }
        throw error;
      }

      @Override
      public UpstreamEvent next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        return it.next();
      }
    };
  }
}
