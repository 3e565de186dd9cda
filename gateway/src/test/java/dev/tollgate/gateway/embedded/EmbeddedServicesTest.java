package dev.tollgate.gateway.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The embedded default's Redis and PostgreSQL answer, and leave no process behind once stopped.
 * Root or not: on this project's CI the build runs as root (see {@link UnprivilegedPostgres}).
 */
class EmbeddedServicesTest {

  @Test
  void bothServicesAnswerAndTheirProcessesAreGoneAfterClose() throws Exception {
    // Under target/, not a JUnit @TempDir: as root without user namespaces PostgreSQL runs as
    // nobody, who cannot enter a private temporary directory.
    Path directory = Path.of("target", "embedded-services-test").toAbsolutePath();
    deleteRecursively(directory);

    EmbeddedServices services = EmbeddedServices.start(directory, true, true);
    LocalRedis redis = services.redis().orElseThrow();
    LocalPostgres postgres = services.postgres().orElseThrow();
    ProcessHandle redisProcess = redis.process();
    ProcessHandle postmaster = postgres.postmaster().orElseThrow();
    try {
      assertThat(services.properties())
          .containsEntry("spring.data.redis.url", "redis://127.0.0.1:" + redis.port())
          .containsEntry(
              "spring.r2dbc.url", "r2dbc:postgresql://127.0.0.1:" + postgres.port() + "/postgres")
          .containsEntry("spring.r2dbc.username", "postgres")
          .containsEntry("spring.r2dbc.password", "");
      assertThatThrownBy(() -> EmbeddedServices.start(directory, true, true))
          .as("a second gateway on the same directory")
          .isInstanceOf(IOException.class)
          .hasMessageContaining("in use by another running gateway");

      // Regression: Ctrl-C in a terminal stopped Redis before the gateway had flushed its outbox.
      Path stat = Path.of("/proc", Long.toString(redisProcess.pid()), "stat");
      if (Files.isExecutable(Path.of("/usr/bin/setsid")) && Files.isReadable(stat)) {
        String[] fields = Files.readString(stat).replaceFirst("^.*\\) ", "").split(" ");
        assertThat(fields[3])
            .as("Redis' session id: a session of its own")
            .isEqualTo(Long.toString(redisProcess.pid()));
      }

      RedisClient client = RedisClient.create(redis.url());
      try (StatefulRedisConnection<String, String> connection = client.connect()) {
        assertThat(connection.sync().ping()).isEqualTo("PONG");
        assertThat(connection.sync().configGet("maxmemory-policy"))
            .containsEntry("maxmemory-policy", "noeviction");
        assertThat(connection.sync().configGet("appendonly")).containsEntry("appendonly", "yes");
      } finally {
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
      }

      try (Connection connection = DriverManager.getConnection(postgres.jdbcUrl(), "postgres", "");
          Statement statement = connection.createStatement();
          ResultSet result = statement.executeQuery("select 1")) {
        assertThat(result.next()).isTrue();
        assertThat(result.getInt(1)).isEqualTo(1);
      }
      assertThat(postgres.dataDirectory()).isEqualTo(directory.resolve("postgres"));
    } finally {
      services.close();
    }

    assertThat(redisProcess.isAlive()).as("redis-server process").isFalse();
    assertThat(postmaster.isAlive()).as("postmaster process").isFalse();
    assertThat(listening(redis.port())).as("Redis port open").isFalse();
    assertThat(listening(postgres.port())).as("PostgreSQL port open").isFalse();
    assertThat(ProcessHandle.current().descendants().filter(ProcessHandle::isAlive))
        .as("processes started by this JVM")
        .isEmpty();
  }

  private static boolean listening(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static void deleteRecursively(Path directory) throws IOException {
    if (!Files.exists(directory)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(directory)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(path);
      }
    }
  }
}
