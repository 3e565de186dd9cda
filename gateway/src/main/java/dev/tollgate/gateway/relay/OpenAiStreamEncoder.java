package dev.tollgate.gateway.relay;

import dev.tollgate.adapter.Json;
import dev.tollgate.adapter.TokenUsage;
import dev.tollgate.adapter.UpstreamEvent;
import dev.tollgate.adapter.UpstreamEvent.Kind;
import dev.tollgate.adapter.UpstreamException;
import dev.tollgate.billing.metering.RequestStatus;
import dev.tollgate.gateway.billing.Tab;
import dev.tollgate.gateway.error.OpenAiErrors;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.node.ObjectNode;

/**
 * The pass-through encoding for OpenAI-dialect clients: the upstream's bytes as they came. The
 * usage-only chunk that the gateway asked for is dropped unless the client asked for it too; an
 * event carrying usage gets the request's {@code usage.cost}, the only event re-serialized. A
 * cut-off ends with a last chunk with {@code finish_reason: "length"} and a note, then {@code
 * [DONE]}; a failure with an error event in the OpenAI shape.
 *
 * <p>A client that asked for usage ({@code stream_options.include_usage}) gets the usage chunk on
 * every ending, with what the request is charged: the upstream's when it sent one; otherwise the
 * gateway writes it (before {@code [DONE]}; after the error event on a failure) from the meter, the
 * counts and cost that settle the request.
 */
public final class OpenAiStreamEncoder implements StreamEncoder {

  private static final byte[] CUT_OFF = lastChunk(CutReason.FUNDS);
  private static final byte[] SHUT_DOWN = lastChunk(CutReason.SHUTDOWN);

  private static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII);

  private final Tab tab;
  private final RequestMeter meter;
  private final boolean clientWantsUsage;
  private boolean usageSent;
  private boolean doneSent;

  /**
   * @param tab prices the usage an event reports
   * @param meter what the request is charged, for a usage chunk the upstream did not send
   * @param clientWantsUsage whether the client asked for the usage chunk
   */
  public OpenAiStreamEncoder(Tab tab, RequestMeter meter, boolean clientWantsUsage) {
    this.tab = Objects.requireNonNull(tab, "tab");
    this.meter = Objects.requireNonNull(meter, "meter");
    this.clientWantsUsage = clientWantsUsage;
  }

  @Override
  public byte @Nullable [] encode(UpstreamEvent event) {
    if (!clientWantsUsage && event.kind() == Kind.USAGE_ONLY) {
      return null;
    }
    if (event.kind() == Kind.DONE) {
      doneSent = true;
      if (clientWantsUsage && !usageSent) {
        // The upstream finished without usage: the client gets the local count it is charged.
        return concat(usageChunk(RequestStatus.COMPLETED), event.bytes());
      }
      return event.bytes();
    }
    TokenUsage usage = event.usage();
    if (usage == null) {
      return event.bytes();
    }
    usageSent = true;
    return UsageCost.intoEvent(event.bytes(), tab.cost(usage));
  }

  @Override
  public byte @Nullable [] end() {
    if (doneSent || !clientWantsUsage || usageSent) {
      return null; // the upstream's own [DONE] went through, or nothing is missing
    }
    return concat(usageChunk(RequestStatus.COMPLETED), DONE);
  }

  @Override
  public byte[] cutOff(CutReason reason) {
    byte[] last = reason == CutReason.FUNDS ? CUT_OFF : SHUT_DOWN;
    return clientWantsUsage
        ? concat(last, usageChunk(meter.statusNow()), DONE)
        : concat(last, DONE);
  }

  /** The last chunk of a stream the gateway stopped: {@code finish_reason: "length"}, a note. */
  private static byte[] lastChunk(CutReason reason) {
    ObjectNode chunk = Json.MAPPER.createObjectNode();
    chunk.put("object", "chat.completion.chunk");
    chunk
        .putArray("choices")
        .addObject()
        .put("index", 0)
        .set("delta", Json.MAPPER.createObjectNode());
    ((ObjectNode) chunk.path("choices").path(0)).put("finish_reason", "length");
    chunk.putObject("error_note").put("type", reason.type()).put("message", reason.message());
    return concat(
        "data: ".getBytes(StandardCharsets.US_ASCII),
        Json.MAPPER.writeValueAsBytes(chunk),
        "\n\n".getBytes(StandardCharsets.US_ASCII));
  }

  @Override
  public byte[] error(UpstreamException failure) {
    byte[] event = OpenAiErrors.event(failure);
    return clientWantsUsage ? concat(event, usageChunk(meter.statusNow()), DONE) : event;
  }

  /** The usage-only chunk ({@code choices: []}) with what the request is charged if it ends so. */
  private byte[] usageChunk(RequestStatus status) {
    RequestMeter.Billed billed = meter.billed(status);
    TokenUsage u = billed.usage();
    ObjectNode chunk = Json.MAPPER.createObjectNode();
    chunk.put("object", "chat.completion.chunk");
    chunk.putArray("choices");
    ObjectNode usage = chunk.putObject("usage");
    usage.put("prompt_tokens", u.promptTokens());
    usage.put("completion_tokens", u.completionTokens());
    usage.put("total_tokens", u.promptTokens() + u.completionTokens());
    if (u.cachedPromptTokens() > 0 || u.cacheWriteTokens() > 0) {
      ObjectNode details = usage.putObject("prompt_tokens_details");
      details.put("cached_tokens", u.cachedPromptTokens());
      if (u.cacheWriteTokens() > 0) {
        details.put("cache_write_tokens", u.cacheWriteTokens());
      }
    }
    if (u.reasoningTokens() > 0) {
      usage.putObject("completion_tokens_details").put("reasoning_tokens", u.reasoningTokens());
    }
    usage.put("cost", UsageCost.decimal(billed.cost()));
    usageSent = true;
    return concat(
        "data: ".getBytes(StandardCharsets.US_ASCII),
        Json.MAPPER.writeValueAsBytes(chunk),
        "\n\n".getBytes(StandardCharsets.US_ASCII));
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    for (byte[] part : parts) {
      out.writeBytes(part);
    }
    return out.toByteArray();
  }
}
