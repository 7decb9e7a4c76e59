package dev.poolgate.pool;

/**
 * A connection could not be created for this caller (with pooling disabled, where every acquire
 * creates one). With pooling enabled a creation failure does not fail an acquire by itself: the
 * acquire waits on, and a timeout carries the last failure as its cause.
 */
public final class ConnectionCreationException extends PoolException {

    public ConnectionCreationException(String message, Throwable cause) {
        super(message, cause);
    }
}
