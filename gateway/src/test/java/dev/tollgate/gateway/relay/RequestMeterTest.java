package dev.tollgate.gateway.relay;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.adapter.TokenUsage;
import dev.tollgate.adapter.UpstreamEvent;
import dev.tollgate.adapter.UpstreamException;
import dev.tollgate.adapter.tokens.TokenEstimator;
import dev.tollgate.billing.metering.RequestStatus;
import dev.tollgate.billing.metering.UsageRecord;
import dev.tollgate.billing.metering.UsageSource;
import dev.tollgate.gateway.billing.Tab;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SignalType;
import reactor.core.publisher.Sinks;

/** How a request's ending becomes its status, source and counts: pure, no server. */
class RequestMeterTest {

  private final List<UsageRecord> settled = new ArrayList<>();
  private final List<UsageRecord> sunk = new ArrayList<>();

  private final Tab tab =
      new Tab() {
        @Override
        public Admission admit(long promptTokens, long completionTokens, long reasoningTokens) {
          return Admission.ADMIT;
        }

        @Override
        public long cost(TokenUsage usage) {
          return 0;
        }

        @Override
        public void settle(UsageRecord record) {
          settled.add(record);
        }
      };

  private RequestMeter meter() {
    return new RequestMeter(
        new RequestMeter.Context(
            "req_1", "key", "m", "p", 8, true, Instant.now(), System.nanoTime()),
        TokenEstimator.shared(),
        tab,
        sunk::add);
  }

  private static UpstreamEvent token(String text) {
    return new UpstreamEvent(
        "data: {}\n\n".getBytes(StandardCharsets.UTF_8),
        UpstreamEvent.Kind.CHUNK,
        text,
        null,
        null,
        null);
  }

  @Test
  void aCancelThatFollowsTheUpstreamsCompletionIsStillACompletedRequest() {
    // Regression: writers may cancel their source right after it completed; 43 of 50 finished
    // streams were once recorded as cancelled that way.
    RequestMeter meter = meter();
    meter.onEvent(token(" the"));
    meter.onDelivered();
    meter.onUpstreamComplete();

    meter.finish(SignalType.CANCEL);
    meter.finish(SignalType.ON_COMPLETE);

    assertThat(settled)
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.status()).isEqualTo(RequestStatus.COMPLETED);
              assertThat(r.source()).isEqualTo(UsageSource.ESTIMATED);
              assertThat(r.completionTokens()).isEqualTo(1);
            });
    assertThat(sunk).hasSize(1);
  }

  @Test
  void aCancelMidStreamIsPartial() {
    RequestMeter meter = meter();
    meter.onEvent(token(" the"));
    meter.onEvent(token(" fox"));
    meter.onDelivered();

    meter.finish(SignalType.CANCEL);

    UsageRecord r = settled.getFirst();
    assertThat(r.status()).isEqualTo(RequestStatus.CANCELLED);
    assertThat(r.source()).isEqualTo(UsageSource.PARTIAL);
    assertThat(r.promptTokens()).isEqualTo(8);
    assertThat(r.completionTokens()).isEqualTo(2);
  }

  @Test
  void anUpstreamFailureBeforeAnythingWasDeliveredCountsNothing() {
    RequestMeter meter = meter();
    meter.onError(UpstreamException.timeout("slow"));

    meter.finish(SignalType.ON_ERROR);

    UsageRecord r = settled.getFirst();
    assertThat(r.status()).isEqualTo(RequestStatus.TIMEOUT);
    assertThat(r.totalTokens()).isZero();
  }

  @Test
  void reportedUsageWinsOverLocalCounts() {
    RequestMeter meter = meter();
    meter.onEvent(token(" the"));
    meter.onEvent(
        new UpstreamEvent(
            new byte[0],
            UpstreamEvent.Kind.USAGE_ONLY,
            null,
            null,
            new TokenUsage(14, 30, 2, 5),
            null));
    meter.onDelivered();
    meter.onUpstreamComplete();

    meter.finish(SignalType.ON_COMPLETE);

    UsageRecord r = settled.getFirst();
    assertThat(r.source()).isEqualTo(UsageSource.REPORTED);
    assertThat(r.promptTokens()).isEqualTo(14);
    assertThat(r.completionTokens()).isEqualTo(30);
    assertThat(r.cachedPromptTokens()).isEqualTo(2);
    assertThat(r.reasoningTokens()).isEqualTo(5);
  }

  @Test
  void anEventTheAccountCannotPayForIsNotCounted() {
    Tab broke =
        new Tab() {
          @Override
          public Admission admit(long promptTokens, long completionTokens, long reasoningTokens) {
            return completionTokens <= 1 ? Admission.ADMIT : Admission.REFUSE;
          }

          @Override
          public long cost(TokenUsage usage) {
            return 0;
          }

          @Override
          public void settle(UsageRecord record) {
            settled.add(record);
          }
        };
    RequestMeter meter =
        new RequestMeter(
            new RequestMeter.Context(
                "req_2", "key", "m", "p", 8, true, Instant.now(), System.nanoTime()),
            TokenEstimator.shared(),
            broke,
            sunk::add);

    assertThat(meter.onEvent(token(" the")).block()).isNotSameAs(RequestMeter.REFUSED);
    assertThat(meter.onEvent(token(" fox")).block()).isSameAs(RequestMeter.REFUSED);
    meter.onDelivered();
    meter.onCutOff();
    meter.finish(SignalType.ON_COMPLETE);

    UsageRecord r = settled.getFirst();
    assertThat(r.status()).isEqualTo(RequestStatus.CUT_OFF);
    assertThat(r.completionTokens()).isEqualTo(1);
  }

  @Test
  void aCutOffStreamNeverRecordsMoreCompletionTokensThanMaxTokens() {
    // regression: 140 tokens counted locally were recorded for max_tokens 100
    RequestMeter meter =
        new RequestMeter(
            new RequestMeter.Context(
                "req_3", "key", "m", "p", 8, true, Instant.now(), System.nanoTime(), 100),
            TokenEstimator.shared(),
            tab,
            sunk::add);
    String words = " the quick brown fox jumps over the lazy dog".repeat(5); // 45 tokens
    for (int i = 0; i < 3; i++) {
      assertThat(meter.onEvent(token(words)).block()).isNotSameAs(RequestMeter.REFUSED);
    }
    meter.onDelivered();
    assertThat(meter.usageSoFar().completionTokens()).isEqualTo(100);
    meter.onCutOff();
    assertThat(meter.billed(meter.statusNow()).usage().completionTokens()).isEqualTo(100);
    meter.finish(SignalType.ON_COMPLETE);

    UsageRecord r = settled.getFirst();
    assertThat(r.status()).isEqualTo(RequestStatus.CUT_OFF);
    assertThat(r.completionTokens()).isEqualTo(100);
  }

  @Test
  void anEventBeyondTheHoldWaitsForTheExtensionAndIsCountedOnlyIfItIsGranted() {
    Sinks.Empty<Void> extension = Sinks.empty();
    boolean[] granted = {false};
    Tab waiting =
        new Tab() {
          @Override
          public Admission admit(long promptTokens, long completionTokens, long reasoningTokens) {
            if (completionTokens <= 1 || granted[0]) {
              return Admission.ADMIT;
            }
            return Admission.WAIT;
          }

          @Override
          public Mono<Void> extensionAnswered() {
            return extension.asMono();
          }

          @Override
          public long cost(TokenUsage usage) {
            return 0;
          }

          @Override
          public void settle(UsageRecord record) {
            settled.add(record);
          }
        };
    RequestMeter meter =
        new RequestMeter(
            new RequestMeter.Context(
                "req_4", "key", "m", "p", 8, true, Instant.now(), System.nanoTime()),
            TokenEstimator.shared(),
            waiting,
            sunk::add);
    assertThat(meter.onEvent(token(" the")).block()).isNotSameAs(RequestMeter.REFUSED);
    UpstreamEvent fox = token(" fox");
    Mono<UpstreamEvent> decision = meter.onEvent(fox);
    List<UpstreamEvent> out = new ArrayList<>();
    decision.subscribe(out::add);
    assertThat(out).as("held back while the extension is on its way").isEmpty();
    assertThat(meter.usageSoFar().completionTokens()).isEqualTo(1);

    granted[0] = true;
    extension.tryEmitEmpty();
    assertThat(out).containsExactly(fox);
    assertThat(meter.usageSoFar().completionTokens()).isEqualTo(2);
  }

  /** Regression (issue 10, item 8): a request cancelled before the upstream answered is free. */
  @Test
  void aRequestCancelledBeforeTheUpstreamAnsweredCostsNothing() {
    RequestMeter meter = meter();
    assertThat(meter.start()).isTrue();

    meter.finish(SignalType.CANCEL);

    UsageRecord r = settled.getFirst();
    assertThat(r.status()).isEqualTo(RequestStatus.CANCELLED);
    assertThat(r.promptTokens()).isZero();
    assertThat(r.completionTokens()).isZero();
  }

  @Test
  void aRequestCancelledOnceTheUpstreamAnsweredPaysItsPrompt() {
    RequestMeter meter = meter();
    meter.servedBy("m", "p");

    meter.finish(SignalType.CANCEL);

    assertThat(settled.getFirst().promptTokens()).isEqualTo(8);
  }

  /** Regression (issue 10, item 2): a request abandoned before its call began still settles. */
  @Test
  void aRequestAbandonedBeforeItsCallBeganIsSettledOnceAndItsCallIsNeverMade() {
    RequestMeter meter = meter();

    meter.abandonIfIdle();
    meter.abandonIfIdle();

    assertThat(settled)
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.status()).isEqualTo(RequestStatus.CANCELLED);
              assertThat(r.promptTokens()).isZero();
            });
    assertThat(sunk).hasSize(1);
    assertThat(meter.start()).as("the call may not begin any more").isFalse();
  }

  @Test
  void abandoningARequestWhoseCallBeganLeavesItsEndingToTheCall() {
    RequestMeter meter = meter();
    assertThat(meter.start()).isTrue();

    meter.abandonIfIdle();

    assertThat(settled).isEmpty();
    meter.finish(SignalType.ON_COMPLETE);
    assertThat(settled)
        .singleElement()
        .satisfies(r -> assertThat(r.status()).isEqualTo(RequestStatus.COMPLETED));
  }
}
