package dev.poolgate.pool.impl;

import dev.poolgate.pool.ConnectionFactory;

/** The factory calls both pools make the same way: whatever they throw, {@code Error}s included, is an outcome. */
final class FactoryCalls {

    /** A creation's outcome: the connection, or why there is none. */
    record Created<T>(T connection, Throwable failure) {
    }

    private FactoryCalls() {
    }

    /** Calls {@link ConnectionFactory#create()}; a null connection is a failure too. */
    static <T> Created<T> create(ConnectionFactory<T> factory) {
        try {
            T connection = factory.create();
            return connection == null
                    ? new Created<>(null, new NullPointerException(
                            "ConnectionFactory.create() returned null; return a connection or throw"))
                    : new Created<>(connection, null);
        } catch (Throwable e) {
            return new Created<>(null, e);
        }
    }
}
