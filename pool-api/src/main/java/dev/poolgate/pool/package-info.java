/**
 * A pool of reusable connections of any type {@code T}: an HTTP client, a socket, a subprocess.
 *
 * <p>Start at {@link dev.poolgate.pool.Pool}: {@code Pool.create(config, factory)} gives a pool,
 * {@link dev.poolgate.pool.Pool#acquire()} a {@link dev.poolgate.pool.Lease} that is returned by
 * {@code close()}. {@link dev.poolgate.pool.PoolConfig} holds the settings and their defaults,
 * {@link dev.poolgate.pool.PoolStats} a consistent snapshot of the counters,
 * {@link dev.poolgate.pool.PoolEvent} what a {@link dev.poolgate.pool.PoolListener} observes, and
 * {@link dev.poolgate.pool.PoolException} the one family of unchecked errors.
 */
package dev.poolgate.pool;
