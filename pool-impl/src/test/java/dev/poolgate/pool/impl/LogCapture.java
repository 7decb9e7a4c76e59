package dev.poolgate.pool.impl;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * The log lines written through SLF4J while a test captures them (see {@link CapturingSlf4jProvider}).
 * Capturing is off by default, so that stress tests do not format millions of lines; WARN and
 * ERROR lines are always printed to the console.
 */
final class LogCapture {

    private static final ConcurrentLinkedQueue<String> LINES = new ConcurrentLinkedQueue<>();
    private static volatile boolean capturing;

    private LogCapture() {
    }

    /** Clears what was captured and starts capturing every level. */
    static void start() {
        LINES.clear();
        capturing = true;
    }

    static void stop() {
        capturing = false;
    }

    static boolean capturing() {
        return capturing;
    }

    static void add(String line) {
        LINES.add(line);
    }

    /** Captured lines in order. */
    static List<String> lines() {
        return new ArrayList<>(LINES);
    }

    /** Captured lines that start with one of the spec's prefixes, in order. */
    static List<String> lines(Predicate<String> filter) {
        return LINES.stream().filter(filter).collect(Collectors.toList());
    }

    static List<String> poolLines() {
        return lines(line -> line.startsWith("[POOL]") || line.startsWith("[POOL_MANAGER]"));
    }

    static void clear() {
        LINES.clear();
    }
}
