package dev.tollgate.adapter;

import tools.jackson.core.StreamWriteFeature;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.core.util.JsonRecyclerPools;
import tools.jackson.databind.json.JsonMapper;

/** The one JSON mapper the adapters share: thread-safe, configured once. */
public final class Json {

  /**
   * Decimal amounts are written as plain numbers ({@code 0.0000105}, not {@code 1.05E-5}). Parser
   * buffers are recycled per thread: every event of a stream is parsed on an event loop, and a
   * thread-local pool costs no synchronisation (there are no virtual threads on these paths).
   */
  public static final JsonMapper MAPPER =
      JsonMapper.builder(
              JsonFactory.builder().recyclerPool(JsonRecyclerPools.threadLocalPool()).build())
          .enable(StreamWriteFeature.WRITE_BIGDECIMAL_AS_PLAIN)
          .build();

  static {
    // Jackson builds and caches (de)serializers on first use under a lock; doing that here, once,
    // keeps even the first requests on the event loops from waiting on it.
    MAPPER.writeValueAsBytes(MAPPER.readTree("{\"a\":[1,\"b\",null,true,1.5],\"o\":{}}"));
    MAPPER.writeValueAsString("warm");
  }

  private Json() {}
}
