package dev.poolgate.bench.subject;

import java.sql.Array;
import java.sql.Blob;
import java.sql.CallableStatement;
import java.sql.Clob;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.NClob;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.SQLWarning;
import java.sql.SQLXML;
import java.sql.Savepoint;
import java.sql.Statement;
import java.sql.Struct;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Executor;

/**
 * A JDBC connection to nothing: it keeps the session settings HikariCP reads and resets, is always
 * valid, and refuses statements. HikariCP runs over it without a database, so that only the pool
 * is measured.
 */
final class NoConnection implements Connection {

    private boolean autoCommit = true;
    private boolean readOnly;
    private boolean closed;
    private int isolation = TRANSACTION_READ_COMMITTED;
    private int holdability = java.sql.ResultSet.HOLD_CURSORS_OVER_COMMIT;
    private int networkTimeout;
    private String catalog;
    private String schema;
    private Map<String, Class<?>> typeMap = Map.of();
    private final Properties clientInfo = new Properties();

    private static SQLFeatureNotSupportedException noStatements() {
        return new SQLFeatureNotSupportedException("NoConnection runs no statements; it stands in for a database");
    }

    // Session state, kept so that HikariCP's reads match its writes.

    @Override public void setAutoCommit(boolean autoCommit) { this.autoCommit = autoCommit; }
    @Override public boolean getAutoCommit() { return autoCommit; }
    @Override public void setReadOnly(boolean readOnly) { this.readOnly = readOnly; }
    @Override public boolean isReadOnly() { return readOnly; }
    @Override public void setCatalog(String catalog) { this.catalog = catalog; }
    @Override public String getCatalog() { return catalog; }
    @Override public void setTransactionIsolation(int level) { this.isolation = level; }
    @Override public int getTransactionIsolation() { return isolation; }
    @Override public void setHoldability(int holdability) { this.holdability = holdability; }
    @Override public int getHoldability() { return holdability; }
    @Override public void setSchema(String schema) { this.schema = schema; }
    @Override public String getSchema() { return schema; }
    @Override public void setNetworkTimeout(Executor executor, int milliseconds) { this.networkTimeout = milliseconds; }
    @Override public int getNetworkTimeout() { return networkTimeout; }
    @Override public Map<String, Class<?>> getTypeMap() { return typeMap; }
    @Override public void setTypeMap(Map<String, Class<?>> map) { this.typeMap = map; }
    @Override public void setClientInfo(String name, String value) { clientInfo.setProperty(name, value); }
    @Override public void setClientInfo(Properties properties) { clientInfo.putAll(properties); }
    @Override public String getClientInfo(String name) { return clientInfo.getProperty(name); }
    @Override public Properties getClientInfo() { return clientInfo; }

    // Transactions and life cycle: nothing to do.

    @Override public void commit() { }
    @Override public void rollback() { }
    @Override public void rollback(Savepoint savepoint) { }
    @Override public void releaseSavepoint(Savepoint savepoint) { }
    @Override public void close() { closed = true; }
    @Override public boolean isClosed() { return closed; }
    @Override public boolean isValid(int timeout) { return !closed; }
    @Override public void abort(Executor executor) { closed = true; }
    @Override public SQLWarning getWarnings() { return null; }
    @Override public void clearWarnings() { }
    @Override public String nativeSQL(String sql) { return sql; }

    @Override
    public <T> T unwrap(Class<T> type) throws SQLException {
        if (type.isInstance(this)) {
            return type.cast(this);
        }
        throw new SQLException("NoConnection does not wrap a " + type.getName());
    }

    @Override public boolean isWrapperFor(Class<?> type) { return type.isInstance(this); }

    // Statements and database objects: refused.

    @Override public DatabaseMetaData getMetaData() throws SQLException { throw noStatements(); }
    @Override public Statement createStatement() throws SQLException { throw noStatements(); }
    @Override public Statement createStatement(int a, int b) throws SQLException { throw noStatements(); }
    @Override public Statement createStatement(int a, int b, int c) throws SQLException { throw noStatements(); }
    @Override public PreparedStatement prepareStatement(String sql) throws SQLException { throw noStatements(); }
    @Override public PreparedStatement prepareStatement(String sql, int a, int b) throws SQLException { throw noStatements(); }
    @Override public PreparedStatement prepareStatement(String sql, int a, int b, int c) throws SQLException { throw noStatements(); }
    @Override public PreparedStatement prepareStatement(String sql, int keys) throws SQLException { throw noStatements(); }
    @Override public PreparedStatement prepareStatement(String sql, int[] columns) throws SQLException { throw noStatements(); }
    @Override public PreparedStatement prepareStatement(String sql, String[] columns) throws SQLException { throw noStatements(); }
    @Override public CallableStatement prepareCall(String sql) throws SQLException { throw noStatements(); }
    @Override public CallableStatement prepareCall(String sql, int a, int b) throws SQLException { throw noStatements(); }
    @Override public CallableStatement prepareCall(String sql, int a, int b, int c) throws SQLException { throw noStatements(); }
    @Override public Savepoint setSavepoint() throws SQLException { throw noStatements(); }
    @Override public Savepoint setSavepoint(String name) throws SQLException { throw noStatements(); }
    @Override public Clob createClob() throws SQLException { throw noStatements(); }
    @Override public Blob createBlob() throws SQLException { throw noStatements(); }
    @Override public NClob createNClob() throws SQLException { throw noStatements(); }
    @Override public SQLXML createSQLXML() throws SQLException { throw noStatements(); }
    @Override public Array createArrayOf(String type, Object[] elements) throws SQLException { throw noStatements(); }
    @Override public Struct createStruct(String type, Object[] attributes) throws SQLException { throw noStatements(); }
}
