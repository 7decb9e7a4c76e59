package dev.poolgate.server.budget;

import java.util.concurrent.atomic.AtomicLong;

/** The in-process store, with a clock the tests move. */
class LocalBudgetStoreTest extends BudgetStoreContract {

    private final AtomicLong clock = new AtomicLong(1_000_000);

    @Override
    BudgetStore[] open() {
        BudgetStore store = new LocalBudgetStore(clock::get);
        return new BudgetStore[] {store, store};
    }

    @Override
    void pass(long millis) {
        clock.addAndGet(millis);
    }
}
