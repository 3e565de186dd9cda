package dev.tollgate.gateway.support;

import dev.tollgate.billing.metering.UsageRecord;
import dev.tollgate.billing.metering.UsageSink;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** Keeps the usage records the gateway produced, for tests to take one by one. */
public final class CapturingUsageSink implements UsageSink {

  private final BlockingQueue<UsageRecord> records = new LinkedBlockingQueue<>();

  @Override
  public void accept(UsageRecord record) {
    records.add(record);
  }

  /** The next record, waiting at most 5 s. */
  public UsageRecord take() throws InterruptedException {
    UsageRecord r = records.poll(5, TimeUnit.SECONDS);
    if (r == null) {
      throw new AssertionError("no usage record was produced within 5 s");
    }
    return r;
  }

  /** The record of one request id, waiting at most 5 s; other records are dropped. */
  public UsageRecord take(String requestId) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (System.nanoTime() < deadline) {
      UsageRecord r = records.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
      if (r != null && r.requestId().equals(requestId)) {
        return r;
      }
    }
    throw new AssertionError("no usage record for " + requestId + " within 5 s");
  }

  public int size() {
    return records.size();
  }

  public void clear() {
    records.clear();
  }
}
