package dev.tollgate.gateway.embedded;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * An exclusive lock on the embedded services' directory ({@code .lock} in it), held for as long as
 * the gateway runs them: two gateways on one directory would run two servers on the same files. The
 * operating system releases it when the JVM dies, however it dies, so a lock that can be taken
 * means any server process still running on these files was left by a dead gateway.
 */
final class DirectoryLock implements AutoCloseable {

  private final FileChannel channel;
  private final FileLock lock;

  private DirectoryLock(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  static DirectoryLock acquire(Path directory) throws IOException {
    Files.createDirectories(directory);
    FileChannel channel =
        FileChannel.open(
            directory.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    try {
      FileLock lock = channel.tryLock();
      if (lock != null) {
        return new DirectoryLock(channel, lock);
      }
    } catch (OverlappingFileLockException e) {
      // held by this JVM
    }
    channel.close();
    throw new IOException(
        directory
            + " is in use by another running gateway (expected: one gateway per"
            + " tollgate.embedded.data-dir)");
  }

  @Override
  public void close() {
    try {
      lock.release();
      channel.close();
    } catch (IOException e) {
      // the lock goes with the channel, and both with the JVM
    }
  }
}
