package dev.poolgate.stub;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * The set-up most of the stub's tests share: a stub with the default settings started before each
 * test on a free loopback port, and a client for it, both closed after it.
 */
abstract class RunningStubTest {

    StubBackend stub;
    StubClient client;

    @BeforeEach
    final void startStub() {
        stub = StubBackend.start(StubConfig.defaults());
        client = new StubClient(stub);
    }

    @AfterEach
    final void stopStub() {
        client.close();
        stub.close();
    }
}
