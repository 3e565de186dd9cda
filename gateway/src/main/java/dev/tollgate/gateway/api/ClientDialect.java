package dev.tollgate.gateway.api;

import dev.tollgate.adapter.TokenUsage;
import dev.tollgate.adapter.UpstreamResponse;
import dev.tollgate.gateway.billing.Tab;
import dev.tollgate.gateway.relay.RequestMeter;
import dev.tollgate.gateway.relay.StreamEncoder;

/**
 * The API dialect a client speaks, as {@link ChatPipeline} needs it: how the OpenAI-dialect answer
 * that adapters produce is written for that client. One instance per request.
 */
public interface ClientDialect {

  /**
   * Whether the stream's usage-only chunk must reach the encoder ({@code ChatCall.includeUsage}):
   * for OpenAI clients, whether they asked for it.
   */
  boolean includeUsage();

  /** The encoder of one streamed answer. */
  StreamEncoder streamEncoder(Tab tab, RequestMeter meter);

  /**
   * The body of a whole (non-streamed) answer.
   *
   * @param usage what is billed: the upstream's report, else the local count
   * @param costNanos the request's cost
   */
  byte[] body(UpstreamResponse response, TokenUsage usage, long costNanos);
}
