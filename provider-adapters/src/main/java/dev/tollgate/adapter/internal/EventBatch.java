package dev.tollgate.adapter.internal;

import dev.tollgate.adapter.UpstreamEvent;
import dev.tollgate.adapter.UpstreamEvent.Kind;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.jspecify.annotations.Nullable;

/**
 * The events decoded from one network read, as they travel on: coalesced or one by one, as the
 * adapter's {@link Coalescing} says. A decoding failure comes after the events decoded before it
 * (thrown by the iterator), as it would have one by one: what reached the client is metered.
 */
public final class EventBatch implements Iterable<UpstreamEvent> {

  /** How the events of one read travel on; each adapter states its own. */
  public enum Coalescing {
    /**
     * Consecutive plain chunks ({@link Kind#CHUNK} or {@link Kind#NATIVE} without usage) become one
     * event: bytes, text and reasoning joined, the last finish reason kept. They pass the relay's
     * operators and the client's socket once per read instead of once per chunk. Events the relay
     * treats on their own (usage, {@code [DONE]}, comments) stay separate.
     */
    JOIN_CHUNKS,
    /** One event per decoded event: the client sees the upstream's granularity. */
    ONE_PER_EVENT
  }

  private static final EventBatch EMPTY = new EventBatch(List.of(), null);

  private final List<UpstreamEvent> events;
  private final @Nullable RuntimeException failure;

  private EventBatch(List<UpstreamEvent> events, @Nullable RuntimeException failure) {
    this.events = events;
    this.failure = failure;
  }

  /** Decodes the raw events of one read with {@code decoder}, stopping at the first failure. */
  public static EventBatch of(List<byte[]> raw, EventDecoder decoder, Coalescing coalescing) {
    if (raw.isEmpty()) {
      return EMPTY;
    }
    Builder batch = new Builder(coalescing, raw.size());
    try {
      for (byte[] event : raw) {
        batch.addAll(decoder.decode(event));
      }
    } catch (RuntimeException e) {
      return batch.build(e);
    }
    return batch.build(null);
  }

  /**
   * The last read: its raw events, then what the decoder adds when the body ends (or the failure
   * when it ended too early).
   */
  public static EventBatch last(List<byte[]> raw, EventDecoder decoder, Coalescing coalescing) {
    Builder batch = new Builder(coalescing, raw.size() + 3);
    try {
      for (byte[] event : raw) {
        batch.addAll(decoder.decode(event));
      }
      batch.addAll(decoder.finish());
    } catch (RuntimeException e) {
      return batch.build(e);
    }
    return batch.build(null);
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

  private static final class Builder {
    private final boolean join;
    private final List<UpstreamEvent> out;
    private final List<UpstreamEvent> run = new ArrayList<>();

    Builder(Coalescing coalescing, int size) {
      this.join = coalescing == Coalescing.JOIN_CHUNKS;
      this.out = new ArrayList<>(join ? Math.min(size, 4) : size);
    }

    void addAll(List<UpstreamEvent> events) {
      if (!join) {
        out.addAll(events);
        return;
      }
      for (UpstreamEvent event : events) {
        if (!isPlain(event)) {
          flush();
          out.add(event);
        } else {
          if (!run.isEmpty() && run.getFirst().kind() != event.kind()) {
            flush(); // one stream's plain events are of one kind; never join two kinds
          }
          run.add(event);
        }
      }
    }

    EventBatch build(@Nullable RuntimeException failure) {
      flush();
      return new EventBatch(out, failure);
    }

    private static boolean isPlain(UpstreamEvent event) {
      return (event.kind() == Kind.CHUNK || event.kind() == Kind.NATIVE) && event.usage() == null;
    }

    private void flush() {
      if (run.size() == 1) {
        out.add(run.getFirst());
      } else if (run.size() > 1) {
        out.add(join(run));
      }
      run.clear();
    }
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
        run.getFirst().kind(),
        text == null ? null : text.toString(),
        reasoning == null ? null : reasoning.toString(),
        null,
        finishReason);
  }
}
