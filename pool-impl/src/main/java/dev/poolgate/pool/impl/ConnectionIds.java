package dev.poolgate.pool.impl;

import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Hands out connection ids: eight hex digits that look random but never repeat within a process
 * (for its first 2^32 connections), because each is a bijective scramble of a counter.
 */
final class ConnectionIds {

    private static final AtomicInteger COUNTER = new AtomicInteger(ThreadLocalRandom.current().nextInt());

    private ConnectionIds() {
    }

    static String next() {
        return HexFormat.of().toHexDigits(scramble(COUNTER.getAndIncrement()));
    }

    /** The 32-bit finalizer of MurmurHash3: a bijection on int, so distinct inputs stay distinct. */
    static int scramble(int value) {
        int h = value;
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        h *= 0xc2b2ae35;
        h ^= h >>> 16;
        return h;
    }
}
