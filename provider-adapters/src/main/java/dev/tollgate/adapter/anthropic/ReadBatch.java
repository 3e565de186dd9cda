package dev.tollgate.adapter.anthropic;

import dev.tollgate.adapter.UpstreamEvent;
import dev.tollgate.adapter.UpstreamEvent.Kind;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;

/**
 * The events made from one network read. Consecutive plain events (OpenAI chunks or native events
 * without usage or finish reason) are joined into one event, so they pass the relay and the
 * client's socket once per read. A decoding failure follows the events decoded before it.
 */
final class ReadBatch {

  private final List<UpstreamEvent> events = new ArrayList<>(4);
  private final List<UpstreamEvent> run = new ArrayList<>();
  private @Nullable RuntimeException failure;

  /** Decodes {@code raw} events with {@code decoder}, stopping at the first failure. */
  static ReadBatch of(List<byte[]> raw, EventDecoder decoder) {
    ReadBatch batch = new ReadBatch();
    try {
      for (byte[] event : raw) {
        decoder.decode(event).forEach(batch::add);
      }
    } catch (RuntimeException e) {
      batch.failure = e;
    }
    batch.flush();
    return batch;
  }

  /** The events at the end of the stream, or the failure when it ended too early. */
  static ReadBatch finish(List<byte[]> raw, EventDecoder decoder) {
    ReadBatch batch = of(raw, decoder);
    if (batch.failure == null) {
      try {
        decoder.finish().forEach(batch::add);
      } catch (RuntimeException e) {
        batch.failure = e;
      }
      batch.flush();
    }
    return batch;
  }

  Flux<UpstreamEvent> flux() {
    RuntimeException error = failure;
    Flux<UpstreamEvent> out = Flux.fromIterable(events);
    return error == null ? out : out.concatWith(Flux.error(error));
  }

  private void add(UpstreamEvent event) {
    boolean plain = event.kind() == Kind.CHUNK || event.kind() == Kind.NATIVE;
    if (plain && event.usage() == null && event.finishReason() == null) {
      run.add(event);
    } else {
      flush();
      events.add(event);
    }
  }

  private void flush() {
    if (run.size() == 1) {
      events.add(run.getFirst());
    } else if (run.size() > 1) {
      events.add(join(run));
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
    int at = 0;
    for (UpstreamEvent e : run) {
      System.arraycopy(e.bytes(), 0, bytes, at, e.bytes().length);
      at += e.bytes().length;
      if (e.text() != null) {
        text = text == null ? new StringBuilder(e.text()) : text.append(e.text());
      }
      if (e.reasoning() != null) {
        reasoning =
            reasoning == null ? new StringBuilder(e.reasoning()) : reasoning.append(e.reasoning());
      }
    }
    return new UpstreamEvent(
        bytes,
        run.getFirst().kind(), // one stream's plain events are all of one kind
        text == null ? null : text.toString(),
        reasoning == null ? null : reasoning.toString(),
        null,
        null);
  }
}
