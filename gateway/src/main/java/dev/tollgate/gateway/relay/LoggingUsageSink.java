package dev.tollgate.gateway.relay;

import dev.tollgate.billing.metering.UsageRecord;
import dev.tollgate.billing.metering.UsageSink;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The usage sink until billing is wired in: one log line per request on the {@code
 * dev.tollgate.usage} logger, with counts and timings only, never prompt or completion text.
 */
public final class LoggingUsageSink implements UsageSink {

  private static final Logger log = LoggerFactory.getLogger("dev.tollgate.usage");

  @Override
  public void accept(UsageRecord r) {
    if (log.isInfoEnabled()) {
      log.info(
          "request={} key={} model={} provider={} status={} source={} prompt={} completion={}"
              + " cached={} reasoning={} ttft_ms={} duration_ms={} stream={}",
          r.requestId(),
          r.keyId(),
          r.model(),
          r.provider(),
          r.status().wireName(),
          r.source().wireName(),
          r.promptTokens(),
          r.completionTokens(),
          r.cachedPromptTokens(),
          r.reasoningTokens(),
          r.timeToFirstToken() == null ? "-" : r.timeToFirstToken().toMillis(),
          r.duration().toMillis(),
          r.streamed());
    }
  }
}
