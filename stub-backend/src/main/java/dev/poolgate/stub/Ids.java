package dev.poolgate.stub;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Random ids in the Anthropic style: {@code msg_} for messages, {@code req_} for requests,
 * {@code toolu_} for tool calls, {@code msgbatch_}, {@code file_}, {@code compl_}, followed by 24 base-62 characters (about 143 random bits, so no two collide in practice).
 * They need to be unique, not secret.
 */
final class Ids {

    private static final String ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    private static final int LENGTH = 24;

    private Ids() {
    }

    static String messageId() {
        return random("msg_");
    }

    static String toolUseId() {
        return random("toolu_");
    }

    static String batchId() {
        return random("msgbatch_");
    }

    static String fileId() {
        return random("file_");
    }

    static String completionId() {
        return random("compl_");
    }

    static String requestId() {
        return random("req_");
    }

    private static String random(String prefix) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        StringBuilder id = new StringBuilder(prefix.length() + LENGTH).append(prefix);
        for (int i = 0; i < LENGTH; i++) {
            id.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
        }
        return id.toString();
    }
}
