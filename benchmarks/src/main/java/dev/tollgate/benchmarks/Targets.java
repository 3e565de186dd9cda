package dev.tollgate.benchmarks;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Starts the fake upstream and the three proxies as child processes, each on 127.0.0.1. */
final class Targets {

  static final String PATH = "/v1/chat/completions";
  static final String MODEL = "bench-model";
  private static final String PLAIN_AUTH = "Bearer bench-unused";

  private final BenchOptions o;
  private final Path dir;
  private final String javaCmd = ProcessHandle.current().info().command().orElse("java");
  private final String jar = jarOfThisClass();
  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();
  private final String suffix = Long.toString(System.currentTimeMillis(), 36);
  final String database = "tollgate_bench_" + suffix;
  final String redisPrefix = "bench" + suffix;
  private boolean databaseCreated;
  Process upstream;
  int upstreamPort;

  Targets(BenchOptions o, Path dir) {
    this.o = o;
    this.dir = dir;
  }

  private List<String> jvm(String... rest) {
    List<String> cmd = new ArrayList<>();
    cmd.add(javaCmd);
    cmd.addAll(Arrays.asList(o.jvmFlags().trim().split("\\s+")));
    cmd.addAll(Arrays.asList(rest));
    return cmd;
  }

  void startUpstream() throws Exception {
    upstreamPort = Procs.freePort();
    Path log = dir.resolve("upstream.log");
    upstream =
        Procs.start(
            o,
            o.loadCpus(),
            jvm(
                "-jar",
                jar,
                "upstream",
                Integer.toString(upstreamPort),
                Integer.toString(o.tokens()),
                o.upstreamFlush()),
            log);
    Procs.awaitPort(upstream, upstreamPort, 60, log);
  }

  Target direct() {
    return new Target("direct", upstreamPort, PLAIN_AUTH, null);
  }

  Target nginx() throws Exception {
    int port = Procs.freePort();
    Path ndir = dir.resolve("nginx");
    Files.createDirectories(ndir);
    int workers = o.proxyCpus().isEmpty() ? 0 : cpuCount(o.proxyCpus());
    String conf =
        """
        daemon off;
        master_process on;
        worker_processes %s;
        user root;
        pid %s/nginx.pid;
        error_log %s/error.log warn;
        events { worker_connections 4096; }
        http {
          access_log off;
          client_body_temp_path %s/body;
          proxy_temp_path %s/proxy;
          fastcgi_temp_path %s/fastcgi;
          uwsgi_temp_path %s/uwsgi;
          scgi_temp_path %s/scgi;
          upstream up { server 127.0.0.1:%d; keepalive 64; }
          server {
            listen 127.0.0.1:%d;
            location / {
              proxy_pass http://up;
              proxy_http_version 1.1;
              proxy_set_header Connection "";
              proxy_buffering off;
              proxy_request_buffering off;
            }
          }
        }
        """
            .formatted(
                workers == 0 ? "auto" : Integer.toString(workers),
                ndir,
                ndir,
                ndir,
                ndir,
                ndir,
                ndir,
                ndir,
                upstreamPort,
                port);
    Path confFile = ndir.resolve("nginx.conf");
    Files.writeString(confFile, conf);
    Path log = dir.resolve("nginx.log");
    Process p =
        Procs.start(
            o,
            o.proxyCpus(),
            List.of("/usr/sbin/nginx", "-p", ndir.toString(), "-c", confFile.toString()),
            log);
    Procs.awaitPort(p, port, 30, log);
    return new Target("nginx", port, PLAIN_AUTH, p);
  }

  Target scg() throws Exception {
    int port = Procs.freePort();
    Path log = dir.resolve("scg.log");
    String r = "--spring.cloud.gateway.server.webflux.routes[0].";
    Process p =
        Procs.start(
            o,
            o.proxyCpus(),
            jvm(
                "-jar",
                jar,
                "scg",
                "--server.address=127.0.0.1",
                "--server.port=" + port,
                "--spring.main.banner-mode=off",
                "--spring.cloud.compatibility-verifier.enabled=false",
                "--logging.level.root=WARN",
                r + "id=upstream",
                r + "uri=http://127.0.0.1:" + upstreamPort,
                r + "predicates[0]=Path=/**"),
            log);
    Procs.awaitPort(p, port, 180, log);
    return new Target("scg", port, PLAIN_AUTH, p);
  }

  Target gateway() throws Exception {
    if (!Files.isRegularFile(o.gatewayJar())) {
      throw new IllegalStateException(
          o.gatewayJar() + " missing: build it with ./mvnw -pl gateway -am package -DskipTests");
    }
    String[] pg = o.postgresHost().split(":");
    Procs.run(List.of("createdb", "-h", pg[0], "-p", pg[1], "-U", "postgres", database));
    databaseCreated = true;
    int port = Procs.freePort();
    String masterKey = "bench-master-" + suffix;
    String yaml =
        """
        server: { address: 127.0.0.1, port: %d }
        spring:
          data: { redis: { url: "%s" } }
          r2dbc: { url: "r2dbc:postgresql://%s/%s", username: postgres }
        tollgate: { embedded: { enabled: false } }
        gateway:
          admin: { master-key: "%s" }
          billing: { enabled: true, redis-prefix: "%s", instance-id: bench }
          providers:
            bench: { type: openai, base-url: "http://127.0.0.1:%d/v1", api-key: x }
          models:
            - { id: %s, provider: bench, price: { input: 0.10, output: 0.40 } }
        logging: { level: { dev.tollgate.usage: WARN } }
        """
            .formatted(
                port,
                o.redisUrl(),
                o.postgresHost(),
                database,
                masterKey,
                redisPrefix,
                upstreamPort,
                MODEL);
    Path conf = dir.resolve("gateway.yaml");
    Files.writeString(conf, yaml);
    Path log = dir.resolve("gateway.log");
    Process p =
        Procs.start(
            o,
            o.proxyCpus(),
            jvm(
                "-jar",
                o.gatewayJar().toAbsolutePath().toString(),
                "--spring.config.additional-location=file:" + conf),
            log);
    Procs.awaitPort(p, port, 180, log);
    String base = "http://127.0.0.1:" + port;
    awaitReady(base + "/actuator/health/readiness", p, log);
    String admin = "Bearer " + masterKey;
    String account =
        field(
            post(base + "/admin/accounts", admin, "{\"name\":\"bench\",\"owner\":\"bench\"}"),
            "id");
    post(
        base + "/admin/accounts/" + account + "/credits",
        admin,
        "{\"amount\":\"1000000\",\"reference\":\"bench-" + suffix + "\",\"type\":\"credit\"}");
    String key =
        field(
            post(base + "/admin/accounts/" + account + "/keys", admin, "{\"name\":\"bench\"}"),
            "key");
    return new Target("gateway", port, "Bearer " + key, p);
  }

  private void awaitReady(String url, Process p, Path log) throws Exception {
    for (int i = 0; i < 600; i++) {
      if (!p.isAlive()) {
        throw new IllegalStateException("gateway ended early, see " + log);
      }
      try {
        HttpResponse<String> r =
            http.send(
                HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not yet
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException("gateway not ready, see " + log);
  }

  private String post(String url, String auth, String body) throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create(url))
                .header("Authorization", auth)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() / 100 != 2) {
      throw new IllegalStateException("POST " + url + ": " + r.statusCode() + " " + r.body());
    }
    return r.body();
  }

  private static String field(String json, String name) {
    Matcher m = Pattern.compile("\"" + name + "\"\\s*:\\s*\"([^\"]+)\"").matcher(json);
    if (!m.find()) {
      throw new IllegalStateException("no " + name + " in " + json);
    }
    return m.group(1);
  }

  /** Sends one request of {@code mode} and checks the whole answer: every token, in order. */
  String check(Target t, String mode) throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + t.port() + PATH))
                .header("Authorization", t.authorization())
                .header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString(Requests.body(mode)))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    String b = r.body();
    if (r.statusCode() != 200) {
      return "status " + r.statusCode() + ": " + b;
    }
    int at = 0;
    for (int i = 0; i < o.tokens(); i++) {
      int next = b.indexOf(FakeUpstream.CONTENT_PREFIX + i + " ", at);
      if (next < 0) {
        return "token " + i + " missing: " + b;
      }
      at = next;
    }
    if (mode.equals("sse") && !b.stripTrailing().endsWith("data: [DONE]")) {
      return "stream does not end with [DONE]: " + b;
    }
    return "ok";
  }

  /** Drops the gateway's database and deletes its Redis keys (both its own, made by this run). */
  void cleanUp() {
    try {
      if (databaseCreated) {
        String[] pg = o.postgresHost().split(":");
        Procs.run(
            List.of("dropdb", "-h", pg[0], "-p", pg[1], "-U", "postgres", "--if-exists", database));
      }
      URI redis = URI.create(o.redisUrl());
      String keys =
          Procs.run(
              List.of(
                  "redis-cli",
                  "-h",
                  redis.getHost(),
                  "-p",
                  Integer.toString(redis.getPort()),
                  "--scan",
                  "--pattern",
                  redisPrefix + ":*"));
      List<String> del = new ArrayList<>();
      for (String k : keys.split("\n")) {
        if (!k.isBlank()) {
          del.add(k.trim());
        }
      }
      for (int i = 0; i < del.size(); i += 500) {
        List<String> cmd =
            new ArrayList<>(
                List.of(
                    "redis-cli",
                    "-h",
                    redis.getHost(),
                    "-p",
                    Integer.toString(redis.getPort()),
                    "DEL"));
        cmd.addAll(del.subList(i, Math.min(del.size(), i + 500)));
        Procs.run(cmd);
      }
    } catch (Exception e) {
      System.err.println("clean-up: " + e.getMessage());
    }
  }

  private static int cpuCount(String list) {
    int n = 0;
    for (String part : list.split(",")) {
      String[] r = part.split("-");
      n += r.length == 1 ? 1 : Integer.parseInt(r[1]) - Integer.parseInt(r[0]) + 1;
    }
    return n;
  }

  private static String jarOfThisClass() {
    // started as `java -jar benchmarks.jar`: the class path is that jar
    String cp = System.getProperty("java.class.path", "");
    if (!cp.endsWith(".jar") || cp.contains(File.pathSeparator)) {
      throw new IllegalStateException("run as java -jar benchmarks.jar (class path: " + cp + ")");
    }
    return Path.of(cp).toAbsolutePath().toString();
  }
}
