package dev.tollgate.gateway.packaged;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.adapter.Json;
import dev.tollgate.gateway.billing.BillingTestSupport;
import dev.tollgate.gateway.support.TestServices;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufMono;
import reactor.netty.http.client.HttpClient;
import tools.jackson.databind.JsonNode;

/**
 * The fault suite ({@code ./mvnw -Pfaults verify}, issue 10): the packaged gateway ({@code java
 * -jar gateway.jar}) on its own Redis with AOF ({@link FaultRedis}), a fake upstream, and faults;
 * after each, the money is checked to the nano-unit: credits − charged = Redis balance = PostgreSQL
 * balance, nothing held, one usage row per settled request, billed tokens within the documented
 * bound of what clients saw. Each scenario prints what it measured.
 */
class GatewayFaultIT extends FaultSuite {

  /** 200 clients abort at random in their first second: no hold stays, the money adds up. */
  @Test
  void abortingClients() throws Exception {
    String account = "acct-fault-abort-" + TestServices.REDIS_PREFIX;
    long credits = 1_000_000_000;
    SplittableRandom random = new SplittableRandom(2);
    upstream.clear();
    upstream.script(stream(20, 15, random));
    try (GatewayProcess gateway = gateway("fault-abort", account, "1.00")) {
      // one served request loads the account into Redis
      HttpClient client = client(gateway.port(), 256);
      client
          .post()
          .uri("/v1/chat/completions")
          .send(ByteBufMono.fromString(Mono.just(BODY)))
          .responseContent()
          .aggregate()
          .block(Duration.ofSeconds(20));
      long started = System.nanoTime();
      Flux.range(0, 200)
          .flatMap(
              i -> {
                long abortMicros;
                synchronized (random) {
                  abortMicros = random.nextLong(1_000_000);
                }
                return HttpClient.newConnection()
                    .headers(
                        h ->
                            h.set("Authorization", "Bearer " + KEY)
                                .set("content-type", "application/json"))
                    .post()
                    .uri("http://127.0.0.1:" + gateway.port() + "/v1/chat/completions")
                    .send(ByteBufMono.fromString(Mono.just(BODY)))
                    .response((r, content) -> content.asString(StandardCharsets.UTF_8))
                    .take(Duration.ofNanos(abortMicros * 1_000))
                    .onErrorResume(e -> Mono.empty())
                    .then();
              },
              200)
          .then()
          .block(Duration.ofSeconds(30));
      long abortedAt = System.nanoTime();
      long zeroAt = awaitHeldZero(account, Duration.ofSeconds(10));
      long charged = assertMoney(account, credits);
      long rows =
          BillingTestSupport.queryLong(
              "SELECT count(*) FROM usage_events WHERE account_id = ?", account);
      System.out.printf(
          "FAULT aborting-clients: 200 clients aborted within %d ms; held 0 %d ms after the last;"
              + " %d usage rows, %d nano-units charged; the upstream received %d%n",
          (abortedAt - started) / 1_000_000,
          (zeroAt - abortedAt) / 1_000_000,
          rows,
          charged,
          upstream.pendingRequests());
      assertThat(gateway.errors()).as("ERROR lines").isEmpty();
    }
  }

  /**
   * 200 streams at once on a balance that pays for a fraction of them (issue 9's burst, against the
   * jar): each is served or refused with 402; every served stream, cut off or not, delivered
   * exactly the tokens it was charged for, ends with the usage chunk carrying that charge, and
   * nothing goes uncollected (the upstream reports nothing beyond what was delivered).
   */
  @Test
  void burstOnASmallBalance() throws Exception {
    String account = "acct-fault-burst-" + TestServices.REDIS_PREFIX;
    long credits = 8_000_000; // 0.008: about 4 000 output tokens at 2.00 a million
    SplittableRandom random = new SplittableRandom(4);
    upstream.clear();
    String body =
        "{\"model\":\"fake-model\",\"stream\":true,\"stream_options\":{\"include_usage\":true},"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    try (GatewayProcess gateway = gateway("fault-burst", account, "0.008")) {
      HttpClient client = client(gateway.port(), 256);
      upstream.script(stream(200, 10, random)); // 2 s streams of 200 tokens
      long started = System.nanoTime();
      List<String[]> answers = // status, request id, body
          Flux.range(0, 200)
              .flatMap(
                  i ->
                      client
                          .post()
                          .uri("/v1/chat/completions")
                          .send(ByteBufMono.fromString(Mono.just(body)))
                          .responseSingle(
                              (response, content) ->
                                  content
                                      .asString(StandardCharsets.UTF_8)
                                      .defaultIfEmpty("")
                                      .map(
                                          text ->
                                              new String[] {
                                                String.valueOf(response.status().code()),
                                                response.responseHeaders().get("x-request-id"),
                                                text
                                              })),
                  200)
              .collectList()
              .block(Duration.ofSeconds(120));
      long endedMs = (System.nanoTime() - started) / 1_000_000;
      List<String[]> served = answers.stream().filter(a -> a[0].equals("200")).toList();
      answers.stream()
          .filter(a -> !a[0].equals("200"))
          .forEach(a -> assertThat(a[0]).as(a[2]).isEqualTo("402"));
      long charged = assertMoney(account, credits);
      long deliveredTotal = 0;
      for (String[] answer : served) {
        String id = answer[1];
        List<String> data = answer[2].lines().filter(l -> l.startsWith("data: ")).toList();
        long delivered = data.stream().filter(l -> l.contains("\"content\":\" w\"")).count();
        deliveredTotal += delivered;
        assertThat(data.getLast()).as("last event of %s", id).isEqualTo("data: [DONE]");
        JsonNode usage = Json.MAPPER.readTree(data.get(data.size() - 2).substring(6));
        long rowTokens =
            queryLong("SELECT completion_tokens FROM usage_events WHERE request_id = ?", id);
        long rowCharged =
            queryLong("SELECT charged_nanos FROM usage_events WHERE request_id = ?", id);
        assertThat(rowTokens).as("tokens billed to %s", id).isEqualTo(delivered);
        assertThat(usage.path("usage").path("completion_tokens").asLong())
            .as("usage chunk of %s", id)
            .isEqualTo(delivered);
        assertThat(
                usage.path("usage").path("cost").decimalValue().movePointRight(9).longValueExact())
            .as("usage.cost of %s", id)
            .isEqualTo(rowCharged);
      }
      long rows = queryLong("SELECT count(*) FROM usage_events WHERE account_id = ?", account);
      long cutOff =
          queryLong(
              "SELECT count(*) FROM usage_events WHERE account_id = ? AND status = 'cut_off'",
              account);
      long uncollected =
          queryLong(
              "SELECT coalesce(sum(uncollected_nanos), 0) FROM usage_events WHERE account_id = ?",
              account);
      System.out.printf(
          "FAULT burst: 200 streams at once on 0.008 ended within %d ms: %d served (%d cut off),"
              + " %d refused with 402; %d tokens delivered, each billed; %d usage rows,"
              + " %d nano-units charged, %d uncollected%n",
          endedMs,
          served.size(),
          cutOff,
          answers.size() - served.size(),
          deliveredTotal,
          rows,
          charged,
          uncollected);
      assertThat(rows).as("one usage row per served stream").isEqualTo(served.size());
      assertThat(cutOff).as("streams cut off").isPositive();
      assertThat(uncollected).as("uncollected").isZero();
      assertThat(gateway.errors()).as("ERROR lines").isEmpty();
    }
  }

  /**
   * 50 streams in flight when the gateway is killed (-9): a second instance's reaper settles every
   * hold at its last checkpoint within hold-ttl + reaper-interval (+ its start-up), billed tokens
   * within the checkpoint bound of what clients saw, and it serves meanwhile.
   */
  @Test
  void gatewayKilledWithStreamsInFlight() throws Exception {
    String account = "acct-fault-kill-" + TestServices.REDIS_PREFIX;
    long credits = 10_000_000_000L;
    SplittableRandom random = new SplittableRandom(3);
    upstream.clear();
    Map<Integer, AtomicLong> seen = new ConcurrentHashMap<>();
    CountDownLatch flowing = new CountDownLatch(50);
    long killedAt;
    AtomicLong flowingStreams = new AtomicLong();
    try (GatewayProcess first = gateway("fault-kill-1", account, "10.00")) {
      HttpClient client = client(first.port(), 64);
      warmUp(client, random);
      upstream.script(stream(2000, 50, random)); // 100 s streams, 20 tokens a second
      Flux.range(0, 50)
          .flatMap(
              i ->
                  client
                      .post()
                      .uri("/v1/chat/completions")
                      .send(ByteBufMono.fromString(Mono.just(BODY)))
                      .response((r, content) -> content.asString(StandardCharsets.UTF_8))
                      .doOnNext(
                          s -> {
                            AtomicLong n = seen.computeIfAbsent(i, k -> new AtomicLong());
                            long got = count(s, "\"content\":\" w\"");
                            if (n.addAndGet(got) >= 5 && n.get() - got < 5) {
                              flowingStreams.incrementAndGet();
                              flowing.countDown();
                            }
                          })
                      .doOnError(e -> flowing.countDown())
                      .onErrorResume(e -> Mono.empty())
                      .doOnComplete(flowing::countDown), // refused (503 on a stall): not in flight
              50)
          .subscribe();
      assertThat(flowing.await(30, TimeUnit.SECONDS)).as("50 streams started").isTrue();
      assertThat(flowingStreams.get()).as("streams flowing").isGreaterThanOrEqualTo(45);
      TimeUnit.SECONDS.sleep(3);
      first.kill();
      killedAt = System.nanoTime();
    }
    long heldAtKill = held(account);
    TimeUnit.MILLISECONDS.sleep(500); // what reached the clients has arrived
    long clientTokens = seen.values().stream().mapToLong(AtomicLong::get).sum();

    try (GatewayProcess second = gateway("fault-kill-2", account, "10.00")) {
      long upAt = System.nanoTime();
      upstream.script(stream(10, 1, random));
      long t0 = System.nanoTime();
      String answer =
          client(second.port(), 1)
              .post()
              .uri("/v1/chat/completions")
              .send(ByteBufMono.fromString(Mono.just(BODY)))
              .responseContent()
              .aggregate()
              .asString()
              .block(Duration.ofSeconds(20));
      long servedMs = (System.nanoTime() - t0) / 1_000_000;
      assertThat(answer).endsWith("data: [DONE]\n\n");
      long zeroAt = awaitHeldZero(account, Duration.ofSeconds(30));
      long charged = assertMoney(account, credits);
      long abandoned =
          BillingTestSupport.queryLong(
              "SELECT count(*) FROM usage_events WHERE account_id = ? AND status = 'abandoned'",
              account);
      long billedTokens =
          BillingTestSupport.queryLong(
              "SELECT coalesce(sum(completion_tokens), 0) FROM usage_events"
                  + " WHERE account_id = ? AND status = 'abandoned'",
              account);
      System.out.printf(
          "FAULT gateway-kill-9: %d streams in flight, %d held at the kill; second instance up %d ms after"
              + " the kill, served a request in %d ms; held 0 %d ms after the kill (hold-ttl 15 s +"
              + " reaper 2 s); %d holds settled as abandoned, %d tokens billed of %d the clients"
              + " saw (%d unbilled, bound 256 a stream); %d nano-units charged%n",
          flowingStreams.get(),
          heldAtKill,
          (upAt - killedAt) / 1_000_000,
          servedMs,
          (zeroAt - killedAt) / 1_000_000,
          abandoned,
          billedTokens,
          clientTokens,
          clientTokens - billedTokens,
          charged);
      assertThat(abandoned).isEqualTo(flowingStreams.get());
      assertThat(clientTokens - billedTokens).isLessThanOrEqualTo(50L * 256);
      // expired 15 s after their last checkpoint (at most 5 s before the kill), then one reaper
      // pass (2 s) of an instance that is up; 2 s of slack for a loaded machine
      long bound = Math.max(killedAt + TimeUnit.SECONDS.toNanos(15), upAt);
      assertThat(Duration.ofNanos(zeroAt - bound)).isLessThan(Duration.ofSeconds(2 + 2));
      assertThat(second.errors()).as("ERROR lines").isEmpty();
    }
  }
}
