package dev.poolgate.server.budget;

/** The shared store (Redis) could not be reached or answered an error; the failure policy decides. */
final class BudgetStoreException extends RuntimeException {

    BudgetStoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
