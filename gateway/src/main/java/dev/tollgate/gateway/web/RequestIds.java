package dev.tollgate.gateway.web;

import java.util.concurrent.ThreadLocalRandom;
import org.springframework.web.server.ServerWebExchange;

/** The gateway's id for each request: {@code req_} and 24 hex digits, on every response. */
public final class RequestIds {

  /** The exchange attribute that holds the id. */
  public static final String ATTRIBUTE = RequestIds.class.getName() + ".id";

  public static final String HEADER = "x-request-id";

  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private RequestIds() {}

  public static String newId() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    char[] id = new char[28];
    id[0] = 'r';
    id[1] = 'e';
    id[2] = 'q';
    id[3] = '_';
    long a = random.nextLong();
    long b = random.nextLong();
    for (int i = 0; i < 12; i++) {
      id[4 + i] = HEX[(int) (a >>> (i * 4)) & 0xf];
      id[16 + i] = HEX[(int) (b >>> (i * 4)) & 0xf];
    }
    return new String(id);
  }

  /** The id of the exchange's request. */
  public static String of(ServerWebExchange exchange) {
    String id = exchange.getAttribute(ATTRIBUTE);
    if (id == null) {
      throw new IllegalStateException("RequestIdFilter did not run for this exchange");
    }
    return id;
  }
}
