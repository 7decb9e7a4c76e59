package dev.poolgate.stub;

/**
 * The stub's token arithmetic: one token per four characters, rounded up, at least one. Crude,
 * but a fixed function of the text, so that tests can predict every count.
 */
final class Tokens {

    static final int CHARS_PER_TOKEN = 4;

    private Tokens() {
    }

    /** The tokens of {@code chars} characters: {@code max(1, ceil(chars / 4))}. */
    static int count(long chars) {
        long tokens = Math.max(1, (chars + CHARS_PER_TOKEN - 1) / CHARS_PER_TOKEN);
        return (int) Math.min(Integer.MAX_VALUE, tokens);
    }
}
