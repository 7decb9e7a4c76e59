package dev.poolgate.server.metrics;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Bounds the {@code model} label: clients choose model names, so each distinct name would be a
 * new series. The first {@value #MAX_MODELS} names that look like model ids keep their own label;
 * any other name, and every name after those, counts as {@code other}. Tokens are only counted
 * for answers upstream gave, so in practice these are the models upstream served.
 */
final class ModelLabels {

    static final int MAX_MODELS = 32;
    static final String OTHER = "other";
    private static final int MAX_NAME_CHARS = 64;

    private final ConcurrentHashMap<String, Boolean> known = new ConcurrentHashMap<>();
    private final AtomicInteger admitted = new AtomicInteger();

    /** The label for {@code model}: itself while the cap allows, else "other". */
    String label(String model) {
        if (model == null || !plausible(model)) {
            return OTHER;
        }
        if (known.containsKey(model)) {
            return model;
        }
        // Reserve a place first, so that racing first sightings cannot exceed the cap.
        if (admitted.incrementAndGet() > MAX_MODELS) {
            admitted.decrementAndGet();
            return OTHER;
        }
        if (known.putIfAbsent(model, Boolean.TRUE) != null) {
            admitted.decrementAndGet();
        }
        return model;
    }

    private static boolean plausible(String model) {
        if (model.isEmpty() || model.length() > MAX_NAME_CHARS || model.equals(OTHER)) {
            return false;
        }
        for (int i = 0; i < model.length(); i++) {
            char c = model.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-'
                    || c == '.' || c == '_' || c == ':' || c == '@')) {
                return false;
            }
        }
        return true;
    }
}
