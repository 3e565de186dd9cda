package dev.tollgate.gateway.support;

import reactor.blockhound.BlockHound;
import reactor.blockhound.integration.BlockHoundIntegration;

/**
 * BlockHound allowances for the test JVM. Console logging writes to a stream; in production an
 * async appender takes that off the event loop, so it is allowed here and nothing else is.
 */
public final class TestBlockHoundIntegration implements BlockHoundIntegration {

  @Override
  public void applyTo(BlockHound.Builder builder) {
    builder.allowBlockingCallsInside("ch.qos.logback.core.OutputStreamAppender", "writeBytes");
    builder.allowBlockingCallsInside("ch.qos.logback.core.OutputStreamAppender", "subAppend");
  }
}
