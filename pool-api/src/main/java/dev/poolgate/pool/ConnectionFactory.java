package dev.poolgate.pool;

/**
 * Creates, checks and destroys the connections of a pool.
 *
 * <p>Every method may throw: the pool counts and reports the failure and stays consistent. The
 * pool never calls these methods while holding its lock, and never calls two of them on the same
 * connection at once.
 *
 * @param <T> the type of the pooled connections
 */
public interface ConnectionFactory<T> {

    /** Creates a connection, ready to use. May block (a handshake, a warm-up request). */
    T create() throws Exception;

    /**
     * The periodic health check of an idle connection, e.g. one cheap request. A {@code false}
     * or an exception means unhealthy: the connection is destroyed and replaced up to the
     * minimum. The default says healthy.
     */
    default boolean isHealthy(T connection) throws Exception {
        return true;
    }

    /**
     * A cheap check without I/O, run on every hand-out, e.g. {@code !socket.isClosed()}. A
     * {@code false} or an exception means the connection is destroyed and the acquire goes on
     * within its deadline. The default says valid.
     */
    default boolean isValid(T connection) throws Exception {
        return true;
    }

    /** Closes the connection and frees what it holds. Called once per connection. */
    void destroy(T connection) throws Exception;
}
