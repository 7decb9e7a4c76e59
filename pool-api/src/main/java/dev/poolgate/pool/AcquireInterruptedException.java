package dev.poolgate.pool;

/**
 * The thread was interrupted while it waited for a connection. The thread's interrupt flag is set
 * again before this is thrown; the cause is the {@link InterruptedException}.
 */
public final class AcquireInterruptedException extends PoolException {

    public AcquireInterruptedException(String message, InterruptedException cause) {
        super(message, cause);
    }
}
