package dev.tollgate.benchmarks.scg;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * The Spring Cloud Gateway peer: route-only, one route {@code /**} to the fake upstream, given on
 * the command line by {@link dev.tollgate.benchmarks.Targets} (no auth, no billing, no filters
 * beyond Spring Cloud Gateway's defaults). Same stack as this gateway: Spring Boot WebFlux on
 * Reactor Netty.
 */
@SpringBootApplication
public class ScgPeer {

  public static void main(String[] args) {
    SpringApplication.run(ScgPeer.class, args);
  }
}
