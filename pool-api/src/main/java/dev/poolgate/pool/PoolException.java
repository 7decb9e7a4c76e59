package dev.poolgate.pool;

/**
 * The one family of unchecked errors a pool throws. Argument errors are
 * {@link IllegalArgumentException}s and misuse of a lease is an {@link IllegalStateException}, as
 * usual in Java.
 */
public abstract sealed class PoolException extends RuntimeException
        permits AcquireTimeoutException, AcquireInterruptedException, PoolClosedException,
        ConnectionCreationException {

    protected PoolException(String message, Throwable cause) {
        super(message, cause);
    }
}
