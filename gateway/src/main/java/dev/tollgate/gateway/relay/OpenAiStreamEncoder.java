package dev.tollgate.gateway.relay;

import dev.tollgate.adapter.UpstreamEvent;
import dev.tollgate.adapter.UpstreamEvent.Kind;
import dev.tollgate.adapter.UpstreamException;
import dev.tollgate.gateway.api.OpenAiErrors;
import dev.tollgate.gateway.billing.Tab;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The pass-through encoding for OpenAI-dialect clients: the upstream's bytes as they came. The
 * usage-only chunk that the gateway asked for is dropped unless the client asked for it too; an
 * event carrying usage gets the request's {@code usage.cost}, the only event re-serialized. A
 * cut-off ends with a last chunk with {@code finish_reason: "length"} and a note, then {@code
 * [DONE]}; a failure with an error event in the OpenAI shape.
 */
public final class OpenAiStreamEncoder implements StreamEncoder {

  private static final byte[] CUT_OFF =
      ("data: {\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{},"
              + "\"finish_reason\":\"length\"}],\"error_note\":{\"type\":\"insufficient_balance\","
              + "\"message\":\"The stream was stopped: the account's balance is used up.\"}}\n\n"
              + "data: [DONE]\n\n")
          .getBytes(StandardCharsets.UTF_8);

  private final Tab tab;
  private final boolean clientWantsUsage;

  /**
   * @param tab prices the usage an event reports
   * @param clientWantsUsage whether the client asked for the usage chunk
   */
  public OpenAiStreamEncoder(Tab tab, boolean clientWantsUsage) {
    this.tab = Objects.requireNonNull(tab, "tab");
    this.clientWantsUsage = clientWantsUsage;
  }

  @Override
  public byte @Nullable [] encode(UpstreamEvent event) {
    if (!clientWantsUsage && event.kind() == Kind.USAGE_ONLY) {
      return null;
    }
    return event.usage() == null
        ? event.bytes()
        : UsageCost.intoEvent(event.bytes(), tab.cost(event.usage()));
  }

  @Override
  public byte @Nullable [] end() {
    return null; // the upstream's own [DONE] went through
  }

  @Override
  public byte[] cutOff() {
    return CUT_OFF;
  }

  @Override
  public byte[] error(UpstreamException failure) {
    return OpenAiErrors.event(failure);
  }
}
