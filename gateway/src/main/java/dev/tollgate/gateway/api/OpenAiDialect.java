package dev.tollgate.gateway.api;

import dev.tollgate.adapter.TokenUsage;
import dev.tollgate.adapter.UpstreamResponse;
import dev.tollgate.gateway.billing.Tab;
import dev.tollgate.gateway.pipeline.ClientDialect;
import dev.tollgate.gateway.relay.OpenAiStreamEncoder;
import dev.tollgate.gateway.relay.RequestMeter;
import dev.tollgate.gateway.relay.StreamEncoder;
import dev.tollgate.gateway.relay.UsageCost;

/**
 * OpenAI chat-completions clients: the upstream's answer as it came, with {@code usage.cost}.
 *
 * @param includeUsage whether the client asked for the usage chunk
 */
record OpenAiDialect(boolean includeUsage) implements ClientDialect {

  @Override
  public StreamEncoder streamEncoder(Tab tab, RequestMeter meter) {
    return new OpenAiStreamEncoder(tab, meter, includeUsage);
  }

  @Override
  public byte[] body(UpstreamResponse response, TokenUsage usage, long costNanos) {
    return UsageCost.intoBody(response.body(), costNanos);
  }
}
