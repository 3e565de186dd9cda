package dev.tollgate.billing.support;

import dev.tollgate.billing.ledger.Migrations;
import io.r2dbc.pool.ConnectionPool;
import io.r2dbc.pool.ConnectionPoolConfiguration;
import io.r2dbc.postgresql.PostgresqlConnectionConfiguration;
import io.r2dbc.postgresql.PostgresqlConnectionFactory;
import io.r2dbc.spi.ConnectionFactory;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A throw-away database on the local PostgreSQL ({@code 127.0.0.1:5432}, user {@code postgres},
 * trust authentication), migrated, with an R2DBC pool on it. Dropped on {@link #close()}. JDBC
 * calls here block: use them on the JUnit thread only, never inside a reactive chain.
 */
public final class TestDatabase implements AutoCloseable {

  public static final String HOST = "127.0.0.1";
  public static final int PORT = 5432;
  public static final String USER = "postgres";

  public final String name;
  public final ConnectionPool pool;

  private TestDatabase(String name) {
    this.name = name;
    this.pool =
        new ConnectionPool(
            ConnectionPoolConfiguration.builder(factory(PORT, name))
                .maxSize(4)
                .maxAcquireTime(Duration.ofSeconds(5))
                .build());
  }

  public static TestDatabase create() {
    String name =
        "tollgate_t_" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
    adminExecute("CREATE DATABASE " + name);
    Migrations.migrate(jdbcUrl(name), USER, "");
    return new TestDatabase(name);
  }

  public static String jdbcUrl(String database) {
    return "jdbc:postgresql://" + HOST + ":" + PORT + "/" + database;
  }

  /** A plain (unpooled) R2DBC factory; a closed {@code port} gives one that always fails. */
  public static ConnectionFactory factory(int port, String database) {
    return new PostgresqlConnectionFactory(
        PostgresqlConnectionConfiguration.builder()
            .host(HOST)
            .port(port)
            .username(USER)
            .database(database)
            .connectTimeout(Duration.ofSeconds(2))
            .build());
  }

  /** The first column of the first row of a query, as a long (0 when NULL). */
  public long queryLong(String sql, Object... params) {
    try (Connection connection = DriverManager.getConnection(jdbcUrl(name), USER, "");
        PreparedStatement statement = connection.prepareStatement(sql)) {
      for (int i = 0; i < params.length; i++) {
        statement.setObject(i + 1, params[i]);
      }
      try (ResultSet rows = statement.executeQuery()) {
        if (!rows.next()) {
          throw new IllegalStateException("no row: " + sql);
        }
        return rows.getLong(1);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(sql, e);
    }
  }

  /** The first column of the first row as text, or null. */
  public String queryText(String sql, Object... params) {
    try (Connection connection = DriverManager.getConnection(jdbcUrl(name), USER, "");
        PreparedStatement statement = connection.prepareStatement(sql)) {
      for (int i = 0; i < params.length; i++) {
        statement.setObject(i + 1, params[i]);
      }
      try (ResultSet rows = statement.executeQuery()) {
        return rows.next() ? rows.getString(1) : null;
      }
    } catch (SQLException e) {
      throw new IllegalStateException(sql, e);
    }
  }

  /** Runs one statement (JDBC, on the calling thread) and returns its update count. */
  public int execute(String sql, Object... params) {
    try (Connection connection = DriverManager.getConnection(jdbcUrl(name), USER, "");
        PreparedStatement statement = connection.prepareStatement(sql)) {
      for (int i = 0; i < params.length; i++) {
        statement.setObject(i + 1, params[i]);
      }
      return statement.executeUpdate();
    } catch (SQLException e) {
      throw new IllegalStateException(sql, e);
    }
  }

  @Override
  public void close() {
    pool.disposeLater().block(Duration.ofSeconds(10));
    adminExecute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
  }

  private static void adminExecute(String sql) {
    try (Connection connection = DriverManager.getConnection(jdbcUrl("postgres"), USER, "")) {
      connection.createStatement().execute(sql);
    } catch (SQLException e) {
      throw new IllegalStateException(sql, e);
    }
  }
}
