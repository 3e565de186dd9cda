package dev.tollgate.gateway.packaged;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The fault suite's own PostgreSQL, which a scenario can stop and start again: Debian's binaries
 * ({@code /usr/lib/postgresql/<newest>/bin}, the package {@code .ci/run} installs) with a data
 * directory in a temporary folder and a free loopback port; superuser {@code postgres}, trust
 * authentication, database {@code postgres}. PostgreSQL refuses to run as root, so when the build
 * runs as root every command runs as the system user {@code postgres} ({@code setpriv}, as the
 * embedded default's {@code UnprivilegedPostgres} does, needs no PAM).
 */
final class FaultPostgres implements AutoCloseable {

  private static final String USER = "postgres";

  private final Path bin;
  private final Path dir;
  private final int port;
  private final List<String> asUser;

  private FaultPostgres(Path bin, Path dir, int port, List<String> asUser) {
    this.bin = bin;
    this.dir = dir;
    this.port = port;
    this.asUser = asUser;
  }

  /** A new cluster ({@code initdb}), started; returns once it accepts connections. */
  static FaultPostgres start(String name) throws IOException, InterruptedException {
    Path bin = binaries();
    Path dir = Files.createTempDirectory("fault-postgres-" + name);
    List<String> asUser = new ArrayList<>();
    if ("root".equals(System.getProperty("user.name"))) {
      int uid = Integer.parseInt(run(List.of("id", "-u", USER), dir));
      int gid = Integer.parseInt(run(List.of("id", "-g", USER), dir));
      Files.setAttribute(dir, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
      Files.setAttribute(dir, "unix:gid", gid, LinkOption.NOFOLLOW_LINKS);
      asUser.addAll(List.of("setpriv", "--reuid=" + uid, "--regid=" + gid, "--clear-groups", "--"));
    }
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    FaultPostgres postgres = new FaultPostgres(bin, dir, port, asUser);
    postgres.pg(
        "initdb",
        "-D",
        dir.resolve("data").toString(),
        "-U",
        USER,
        "--auth=trust",
        "-E",
        "UTF8",
        "--no-sync");
    postgres.start();
    return postgres;
  }

  private static Path binaries() throws IOException {
    Path root = Path.of("/usr/lib/postgresql");
    if (!Files.isDirectory(root)) {
      throw new IllegalStateException(
          root + " missing (expected: Debian's postgresql package, which .ci/run installs)");
    }
    try (Stream<Path> versions = Files.list(root)) {
      return versions
          .map(v -> v.resolve("bin"))
          .filter(b -> Files.isExecutable(b.resolve("pg_ctl")))
          .max(Comparator.comparing(b -> Integer.parseInt(b.getParent().getFileName().toString())))
          .orElseThrow(() -> new IllegalStateException("no bin/pg_ctl under " + root));
    }
  }

  String r2dbcUrl() {
    return "r2dbc:postgresql://127.0.0.1:" + port + "/postgres";
  }

  String jdbcUrl() {
    return "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
  }

  /** Starts the server (again) on its port and data; returns once it accepts connections. */
  void start() throws IOException, InterruptedException {
    pg(
        "pg_ctl",
        "start",
        "-w",
        "-t",
        "60",
        "-D",
        dir.resolve("data").toString(),
        "-l",
        dir.resolve("postgres.log").toString(),
        "-o",
        "-p "
            + port
            + " -k "
            + dir
            + " -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off");
  }

  /**
   * Stops the server as an operator does ({@code pg_ctl stop -m fast}: open sessions are ended, new
   * connections refused); returns once it has stopped.
   */
  void stop() throws IOException, InterruptedException {
    pg("pg_ctl", "stop", "-w", "-m", "fast", "-D", dir.resolve("data").toString());
  }

  /** Stops the server at once and deletes its data (about 40 MB). */
  @Override
  public void close() throws IOException, InterruptedException {
    if (Files.exists(dir.resolve("data").resolve("postmaster.pid"))) {
      pg("pg_ctl", "stop", "-w", "-m", "immediate", "-D", dir.resolve("data").toString());
    }
    try (Stream<Path> all = Files.walk(dir)) {
      for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  private void pg(String command, String... args) throws IOException, InterruptedException {
    List<String> line = new ArrayList<>(asUser);
    line.add(bin.resolve(command).toString());
    line.addAll(List.of(args));
    run(line, dir);
  }

  /**
   * Runs a command in {@code dir} (the user {@code postgres} may not enter the build's directory)
   * and returns its trimmed output; fails unless it exits with 0.
   */
  private static String run(List<String> command, Path dir)
      throws IOException, InterruptedException {
    Process process =
        new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (process.waitFor() != 0) {
      throw new IOException(String.join(" ", command) + " failed: " + output.trim());
    }
    return output.trim();
  }
}
