package dev.poolgate.server.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The model label takes at most MAX_MODELS distinct names; others, and odd names, are "other". */
@Timeout(10)
class ModelLabelsTest {

    @Test
    void theDistinctModelLabelsAreCapped() {
        ModelLabels labels = new ModelLabels();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 10 * ModelLabels.MAX_MODELS; i++) {
            seen.add(labels.label("claude-model-" + i));
        }
        assertEquals(ModelLabels.MAX_MODELS + 1, seen.size(), "the cap and other");
        assertEquals("claude-model-0", labels.label("claude-model-0"), "an admitted name keeps its label");
        assertEquals(ModelLabels.OTHER, labels.label("claude-model-" + (10 * ModelLabels.MAX_MODELS)));
    }

    @Test
    void namesThatCannotBeModelIdsAreOther() {
        ModelLabels labels = new ModelLabels();
        assertEquals(ModelLabels.OTHER, labels.label("has \"quotes\""));
        assertEquals(ModelLabels.OTHER, labels.label(""));
        assertEquals(ModelLabels.OTHER, labels.label(null));
        assertEquals(ModelLabels.OTHER, labels.label("x".repeat(65)));
        assertEquals("claude-haiku-4-5@20251001", labels.label("claude-haiku-4-5@20251001"));
    }
}
