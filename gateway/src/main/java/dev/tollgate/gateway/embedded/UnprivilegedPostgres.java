package dev.tollgate.gateway.embedded;

import io.zonky.test.db.postgres.embedded.DefaultPostgresBinaryResolver;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import io.zonky.test.db.postgres.embedded.PgBinaryResolver;
import io.zonky.test.db.postgres.util.LinuxUtils;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tukaani.xz.LZMA2Options;
import org.tukaani.xz.XZInputStream;
import org.tukaani.xz.XZOutputStream;

/**
 * Keeps PostgreSQL from running as root: {@code initdb} and {@code postgres} refuse to ("cannot be
 * run as root"), and this machine and CI run builds as root.
 *
 * <ul>
 *   <li>Not root (a developer's machine): nothing to do.
 *   <li>Root, and {@code unshare -U} works: zonky itself prefixes every PostgreSQL command with
 *       {@code unshare -U}, a new user namespace in which the process is not root. Nothing to do.
 *   <li>Root without user namespaces (containers whose seccomp profile forbids them): PostgreSQL
 *       runs as {@code nobody}. zonky runs {@code bin/initdb} and {@code bin/pg_ctl} of a directory
 *       it unpacks from what its {@link PgBinaryResolver} returns; the resolver here returns an
 *       archive of two wrapper scripts that {@code exec setpriv} to {@code nobody} and then the
 *       real binaries, unpacked once under {@code <dir>/postgres-binaries}. The real {@code pg_ctl}
 *       starts the real {@code postgres} next to it, so the server runs as {@code nobody} too. The
 *       data directory is handed to {@code nobody} before initdb.
 * </ul>
 *
 * The wrapper approach uses only zonky's public builder API; {@code setpriv} (util-linux, like
 * {@code unshare}) rather than {@code runuser} because it needs no PAM configuration.
 */
final class UnprivilegedPostgres {

  private static final Logger log = LoggerFactory.getLogger(UnprivilegedPostgres.class);
  private static final String USER = "nobody";

  private UnprivilegedPostgres() {}

  static void configure(EmbeddedPostgres.Builder builder, Path dir, Path dataDirectory)
      throws IOException {
    if (!isRoot()) {
      return;
    }
    if (LinuxUtils.isUnshareAvailable()) {
      log.info("Running as root: PostgreSQL runs in a user namespace (unshare -U) where it is not");
      return;
    }
    long uid = Long.parseLong(run("id", "-u", USER));
    long gid = Long.parseLong(run("id", "-g", USER));
    Path binaries = unpackBinaries(dir.resolve("postgres-binaries"));
    Files.setAttribute(dataDirectory, "unix:uid", (int) uid, LinkOption.NOFOLLOW_LINKS);
    Files.setAttribute(dataDirectory, "unix:gid", (int) gid, LinkOption.NOFOLLOW_LINKS);
    String setpriv = "setpriv --reuid=" + uid + " --regid=" + gid + " --clear-groups --";
    try {
      run("sh", "-c", setpriv + " test -w " + quote(dataDirectory.toString()) + " && echo ok");
    } catch (IOException e) {
      throw new IllegalStateException(
          "Running as root without user namespaces, PostgreSQL runs as "
              + USER
              + ", who cannot write "
              + dataDirectory
              + " (expected: a working directory whose parents all others may enter, or a"
              + " non-root user)",
          e);
    }
    builder.setPgBinaryResolver(new WrapperResolver(setpriv, binaries));
    log.info(
        "Running as root without user namespaces: PostgreSQL runs as {} (uid {}) from {}",
        USER,
        uid,
        binaries);
  }

  private static boolean isRoot() {
    return "Linux".equals(System.getProperty("os.name"))
        && new com.sun.security.auth.module.UnixSystem().getUid() == 0;
  }

  /** Unpacks zonky's PostgreSQL archive for this machine once, into a folder named by its hash. */
  private static Path unpackBinaries(Path parent) throws IOException {
    // the names zonky's EmbeddedPostgres passes to its resolver
    String arch = System.getProperty("os.arch");
    String hardware = "amd64".equals(arch) ? "x86_64" : arch;
    byte[] archive;
    try (InputStream in = DefaultPostgresBinaryResolver.INSTANCE.getPgBinary("Linux", hardware)) {
      archive = in.readAllBytes();
    }
    Path target = parent.resolve(sha256(archive).substring(0, 16));
    Path done = target.resolve(".unpacked");
    if (Files.exists(done)) {
      return target;
    }
    try (TarArchiveInputStream tar =
        new TarArchiveInputStream(new XZInputStream(new ByteArrayInputStream(archive)))) {
      TarArchiveEntry entry;
      while ((entry = tar.getNextEntry()) != null) {
        Path path = target.resolve(entry.getName()).normalize();
        if (!path.startsWith(target)) {
          throw new IOException("Archive entry outside its folder: " + entry.getName());
        }
        Files.createDirectories(entry.isDirectory() ? path : path.getParent());
        if (entry.isDirectory()) {
          continue;
        }
        Files.deleteIfExists(path);
        if (entry.isSymbolicLink()) {
          Files.createSymbolicLink(path, Path.of(entry.getLinkName()));
        } else if (entry.isLink()) {
          Files.createLink(path, target.resolve(entry.getLinkName()));
        } else {
          Files.copy(tar, path);
          Files.setPosixFilePermissions(path, readableByAll(entry.getMode()));
        }
      }
    }
    try (Stream<Path> all = Files.walk(target)) {
      for (Path p : all.filter(Files::isDirectory).toList()) {
        Files.setPosixFilePermissions(p, readableByAll(0755));
      }
    }
    Files.createFile(done);
    return target;
  }

  /** The archive's mode, plus read (and, where anyone may execute, execute) for everyone. */
  private static Set<PosixFilePermission> readableByAll(int mode) {
    int m = mode | 0444 | ((mode & 0111) != 0 ? 0111 : 0);
    StringBuilder s = new StringBuilder();
    String rwx = "rwxrwxrwx";
    for (int i = 0; i < 9; i++) {
      s.append((m & (1 << (8 - i))) != 0 ? rwx.charAt(i) : '-');
    }
    return PosixFilePermissions.fromString(s.toString());
  }

  /** An archive of {@code bin/initdb} and {@code bin/pg_ctl} wrappers, for zonky to unpack. */
  private record WrapperResolver(String setpriv, Path binaries) implements PgBinaryResolver {

    @Override
    public InputStream getPgBinary(String system, String machineHardware) throws IOException {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      try (TarArchiveOutputStream tar =
          new TarArchiveOutputStream(new XZOutputStream(bytes, new LZMA2Options()))) {
        for (String command : List.of("initdb", "pg_ctl")) {
          byte[] script =
              ("#!/bin/sh\n"
                      + "# PostgreSQL refuses to run as root: see UnprivilegedPostgres.\n"
                      + "exec "
                      + setpriv
                      + " "
                      + quote(binaries.resolve("bin").resolve(command).toString())
                      + " \"$@\"\n")
                  .getBytes(StandardCharsets.UTF_8);
          TarArchiveEntry entry = new TarArchiveEntry("bin/" + command);
          entry.setSize(script.length);
          entry.setMode(0755);
          // a fixed time keeps the archive, and so zonky's folder for it, the same every run
          entry.setModTime(0);
          tar.putArchiveEntry(entry);
          tar.write(script);
          tar.closeArchiveEntry();
        }
      }
      return new ByteArrayInputStream(bytes.toByteArray());
    }
  }

  private static String quote(String s) {
    return "'" + s.replace("'", "'\\''") + "'";
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Runs a short command and returns its trimmed output; fails unless it exits with 0. */
  private static String run(String... command) throws IOException {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    try {
      if (process.waitFor() != 0) {
        throw new IOException(String.join(" ", command) + " failed: " + output.trim());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("Interrupted: " + String.join(" ", command), e);
    }
    return output.trim();
  }
}
