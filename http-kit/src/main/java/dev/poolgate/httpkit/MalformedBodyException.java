package dev.poolgate.httpkit;

import java.io.IOException;

/** A request body that breaks its framing; the connection cannot carry another request after it. */
final class MalformedBodyException extends IOException {

    MalformedBodyException(String message) {
        super(message);
    }
}
