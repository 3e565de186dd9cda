package dev.tollgate.adapter;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One server-sent event from an upstream, ready to relay to an OpenAI-dialect client (or, of kind
 * {@link Kind#NATIVE}, to a client of the upstream's own dialect), with what the adapter's decoder
 * read from it for metering.
 *
 * @param bytes the whole event as it goes to the client ({@code data: ...\n\n}), never re-encoded
 *     on the pass-through path
 * @param kind what the event is
 * @param text generated output in this event (content and tool-call arguments) for local token
 *     counting; null when none
 * @param reasoning generated reasoning text in this event; null when none
 * @param usage the usage the upstream reported in this event; null when none
 * @param finishReason the finish reason this event carried; null when none
 */
public record UpstreamEvent(
    byte[] bytes,
    Kind kind,
    @Nullable String text,
    @Nullable String reasoning,
    @Nullable TokenUsage usage,
    @Nullable String finishReason) {

  public UpstreamEvent {
    Objects.requireNonNull(bytes, "bytes");
    Objects.requireNonNull(kind, "kind");
  }

  /** An event that carries nothing to meter. */
  public static UpstreamEvent of(byte[] bytes, Kind kind) {
    return new UpstreamEvent(bytes, kind, null, null, null, null);
  }

  /** The kinds of event a client may see. */
  public enum Kind {
    /** A completion chunk (may also carry usage, as some servers put it in the last chunk). */
    CHUNK,
    /** A chunk that carries only usage ({@code choices: []}); relayed only if the client asked. */
    USAGE_ONLY,
    /** The {@code [DONE]} sentinel. */
    DONE,
    /** A comment or keep-alive without data. */
    COMMENT,
    /**
     * One or more whole events in the upstream's own dialect, relayed as they came (a {@link
     * NativeMessagesCapable} stream); never mixed with the kinds above in one stream.
     */
    NATIVE
  }
}
