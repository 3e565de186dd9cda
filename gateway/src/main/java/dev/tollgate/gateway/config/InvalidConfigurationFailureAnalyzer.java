package dev.tollgate.gateway.config;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Turns a bad configuration value into a short start-up report instead of a stack trace. */
public final class InvalidConfigurationFailureAnalyzer
    extends AbstractFailureAnalyzer<InvalidConfigurationException> {

  @Override
  protected FailureAnalysis analyze(Throwable rootFailure, InvalidConfigurationException cause) {
    return new FailureAnalysis(
        "Invalid gateway configuration: " + cause.getMessage(),
        "Fix the value in application.yaml (or the file given with"
            + " --spring.config.additional-location) and start again.",
        cause);
  }
}
