package dev.poolgate.pool.impl;

/**
 * A platform thread's hint for one pool: the connection it returned last, kept aside for it
 * (state CACHED). Read and written by that thread only; the connection's own state says whether
 * it is still there to take. A lease remembers the hint it was taken through, so that a release on
 * the same thread finds it without a second thread-local lookup.
 */
final class ThreadHint<T> {

    /** The thread this hint belongs to. */
    final Thread thread = Thread.currentThread();
    /** The connection it returned last, or null; possibly taken by someone else since. */
    PooledConnection<T> connection;
}
