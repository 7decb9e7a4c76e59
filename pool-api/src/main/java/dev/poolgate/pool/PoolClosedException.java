package dev.poolgate.pool;

/** The pool is closed, or closed while the caller waited for a connection. */
public final class PoolClosedException extends PoolException {

    public PoolClosedException(String message) {
        super(message, null);
    }
}
