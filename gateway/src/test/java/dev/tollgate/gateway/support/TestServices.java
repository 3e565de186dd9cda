package dev.tollgate.gateway.support;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The local Redis and PostgreSQL the integration tests use (started by {@code .ci/run}), with a
 * database and a Redis key prefix of their own per test JVM so that runs never collide. The
 * database is dropped when the JVM exits.
 */
public final class TestServices {

  public static final String REDIS_URL =
      System.getProperty("tollgate.test.redis-url", "redis://127.0.0.1:6379");
  public static final String PG_HOST_PORT =
      System.getProperty("tollgate.test.postgres", "127.0.0.1:5432");

  private static final String RUN =
      HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());

  /** This JVM's Redis key prefix for billing. */
  public static final String REDIS_PREFIX = "t" + RUN;

  private static volatile String database;

  private TestServices() {}

  /** This JVM's database, created on first use. */
  public static synchronized String database() {
    if (database == null) {
      String name = "tollgate_gw_" + RUN;
      execute("CREATE DATABASE " + name);
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(() -> execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")));
      database = name;
    }
    return database;
  }

  public static String r2dbcUrl() {
    return "r2dbc:postgresql://" + PG_HOST_PORT + "/" + database();
  }

  public static String jdbcUrl() {
    return "jdbc:postgresql://" + PG_HOST_PORT + "/" + database();
  }

  private static void execute(String sql) {
    try (Connection c =
            DriverManager.getConnection(
                "jdbc:postgresql://" + PG_HOST_PORT + "/postgres", "postgres", "");
        Statement s = c.createStatement()) {
      s.execute(sql);
    } catch (SQLException e) {
      throw new IllegalStateException("PostgreSQL at " + PG_HOST_PORT + ": " + sql, e);
    }
  }
}
