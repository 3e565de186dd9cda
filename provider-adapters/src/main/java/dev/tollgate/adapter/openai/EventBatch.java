package dev.tollgate.adapter.openai;

import dev.tollgate.adapter.UpstreamEvent;
import dev.tollgate.adapter.UpstreamEvent.Kind;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * The events of one network read, decoded, with consecutive plain chunks coalesced into one {@link
 * UpstreamEvent} (bytes, text and reasoning joined): each passes the relay's operators and the
 * client's socket once per read instead of once per chunk. Events that the relay treats on their
 * own (usage, {@code [DONE]}, comments) stay separate. A decoding failure comes after the events
 * decoded before it, as it would have one by one.
 */
final class EventBatch implements Iterable<UpstreamEvent> {

  private final List<UpstreamEvent> events;
  private final @Nullable RuntimeException failure;

  private EventBatch(List<UpstreamEvent> events, @Nullable RuntimeException failure) {
    this.events = events;
    this.failure = failure;
  }

  static EventBatch of(List<byte[]> raw) {
    if (raw.isEmpty()) {
      return new EventBatch(List.of(), null);
    }
    List<UpstreamEvent> out = new ArrayList<>(Math.min(raw.size(), 4));
    List<UpstreamEvent> run = new ArrayList<>();
    for (byte[] bytes : raw) {
      UpstreamEvent event;
      try {
        event = OpenAiStreamDecoder.decode(bytes);
      } catch (RuntimeException e) {
        flush(run, out);
        return new EventBatch(out, e);
      }
      if (event.kind() == Kind.CHUNK && event.usage() == null) {
        run.add(event);
      } else {
        flush(run, out);
        out.add(event);
      }
    }
    flush(run, out);
    return new EventBatch(out, null);
  }

  /** Shows each event to {@code observer}, in order; returns this batch. */
  EventBatch observedBy(Consumer<UpstreamEvent> observer) {
    events.forEach(observer);
    return this;
  }

  /** The events, then the decoding failure (thrown by the iterator) if there was one. */
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

  private static void flush(List<UpstreamEvent> run, List<UpstreamEvent> out) {
    if (run.size() == 1) {
      out.add(run.getFirst());
    } else if (run.size() > 1) {
      out.add(join(run));
    }
    run.clear();
  }

  private static UpstreamEvent join(List<UpstreamEvent> run) {
    int length = 0;
    for (UpstreamEvent e : run) {
      length += e.bytes().length;
    }
    byte[] bytes = new byte[length];
    StringBuilder text = null;
    StringBuilder reasoning = null;
    String finishReason = null;
    int at = 0;
    for (UpstreamEvent e : run) {
      System.arraycopy(e.bytes(), 0, bytes, at, e.bytes().length);
      at += e.bytes().length;
      if (e.text() != null) {
        (text == null ? text = new StringBuilder() : text).append(e.text());
      }
      if (e.reasoning() != null) {
        (reasoning == null ? reasoning = new StringBuilder() : reasoning).append(e.reasoning());
      }
      if (e.finishReason() != null) {
        finishReason = e.finishReason();
      }
    }
    return new UpstreamEvent(
        bytes,
        Kind.CHUNK,
        text == null ? null : text.toString(),
        reasoning == null ? null : reasoning.toString(),
        null,
        finishReason);
  }
}
