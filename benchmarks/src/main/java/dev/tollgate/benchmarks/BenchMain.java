package dev.tollgate.benchmarks;

import dev.tollgate.benchmarks.scg.ScgPeer;
import java.util.Arrays;

/**
 * Entry point of {@code benchmarks.jar}. Without arguments (or with options) it runs the comparison
 * ({@link Bench}); the same jar is also started as the fake upstream ({@code upstream PORT TOKENS})
 * and as the Spring Cloud Gateway peer ({@code scg --server.port=...}).
 */
public final class BenchMain {

  private BenchMain() {}

  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("upstream")) {
      new FakeUpstream(Integer.parseInt(args[2]), args[3].equals("each"))
          .start(Integer.parseInt(args[1]));
      Thread.currentThread().join();
    } else if (args.length > 0 && args[0].equals("scg")) {
      ScgPeer.main(Arrays.copyOfRange(args, 1, args.length));
    } else {
      System.exit(new Bench(BenchOptions.parse(args)).run());
    }
  }
}
