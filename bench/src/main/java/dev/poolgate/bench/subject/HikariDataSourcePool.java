package dev.poolgate.bench.subject;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.HikariPoolMXBean;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * HikariCP as applications use it: a {@link HikariDataSource} over a DataSource of
 * {@link NoConnection}s. HikariCP takes its timeout from its configuration only, never shorter
 * than 250 ms.
 */
final class HikariDataSourcePool implements BenchPool {

    static final Duration SHORTEST_TIMEOUT = Duration.ofMillis(250);

    private final HikariDataSource dataSource;
    private final Duration timeout;

    HikariDataSourcePool(int size, Duration timeout) {
        this.timeout = timeout.compareTo(SHORTEST_TIMEOUT) < 0 ? SHORTEST_TIMEOUT : timeout;
        HikariConfig config = new HikariConfig();
        config.setPoolName("bench");
        config.setDataSource(new NoDataSource());
        config.setMaximumPoolSize(size);
        config.setMinimumIdle(size);
        config.setConnectionTimeout(this.timeout.toMillis());
        config.setRegisterMbeans(false);
        dataSource = new HikariDataSource(config);
        awaitFilled(size);
    }

    /** HikariCP fills its minimum in the background; a run starts once it is full. */
    private void awaitFilled(int size) {
        HikariPoolMXBean pool = dataSource.getHikariPoolMXBean();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (pool.getIdleConnections() < size) {
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("HikariCP made only " + pool.getTotalConnections() + " of " + size
                        + " connections in 10 s");
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
    }

    @Override
    public Object acquire() {
        try {
            return dataSource.getConnection();
        } catch (SQLTransientConnectionException e) {
            return null; // "Connection is not available, request timed out after ..."
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void release(Object handle) {
        try {
            ((Connection) handle).close();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public Duration timeout() {
        return timeout;
    }

    @Override
    public void close() {
        dataSource.close();
    }

    /** Hands out a new {@link NoConnection} per call, as a driver opens a new session. */
    private static final class NoDataSource implements DataSource {
        @Override public Connection getConnection() { return new NoConnection(); }
        @Override public Connection getConnection(String user, String password) { return new NoConnection(); }
        @Override public PrintWriter getLogWriter() { return null; }
        @Override public void setLogWriter(PrintWriter out) { }
        @Override public void setLoginTimeout(int seconds) { }
        @Override public int getLoginTimeout() { return 0; }
        @Override public Logger getParentLogger() throws SQLFeatureNotSupportedException {
            throw new SQLFeatureNotSupportedException("no parent logger");
        }
        @Override public <T> T unwrap(Class<T> type) throws SQLException {
            throw new SQLException("NoDataSource wraps nothing");
        }
        @Override public boolean isWrapperFor(Class<?> type) { return false; }
    }
}
