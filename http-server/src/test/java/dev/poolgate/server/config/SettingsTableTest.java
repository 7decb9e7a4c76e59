package dev.poolgate.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * The README's settings table is generated from {@link Settings.Setting}: this test renders the
 * table from the enum and fails, printing the table to paste, when the README's copy differs. So
 * a setting added, renamed or given a new default cannot leave the README behind. The table names
 * a setting's variable only where it breaks the README's rule ({@code --x-y} is {@code POOLGATE_X_Y}).
 */
class SettingsTableTest {

    private static final String BEGIN = "<!-- settings-table: generated from Settings.Setting, checked by SettingsTableTest -->";
    private static final String END = "<!-- end of settings-table -->";

    /** The variable the README's rule gives a flag: {@code --pool-max-size} is {@code POOLGATE_POOL_MAX_SIZE}. */
    static String ruleVariable(String flag) {
        return "POOLGATE_" + flag.substring(2).replace('-', '_').toUpperCase(Locale.ROOT);
    }

    static String renderTable() {
        StringBuilder table = new StringBuilder("| flag (variable) | default | meaning |\n|---|---|---|\n");
        for (Settings.Setting setting : Settings.Setting.values()) {
            String value = setting.defaultValue.isEmpty() ? "none" : "`" + setting.defaultValue + "`";
            String variable = setting.variable.equals(ruleVariable(setting.flag)) ? "" : " (`" + setting.variable + "`)";
            table.append("| `").append(setting.flag).append('`').append(variable).append(" | ")
                    .append(value).append(" | ").append(setting.description.replace("|", "\\|")).append(" |\n");
        }
        return table.toString();
    }

    @Test
    void theRuleNamesEveryPoolgateVariable() {
        for (Settings.Setting setting : Settings.Setting.values()) {
            if (setting.variable.startsWith("POOLGATE_")) {
                assertEquals(ruleVariable(setting.flag), setting.variable, setting.flag + " breaks the README's rule");
            }
        }
    }

    @Test
    void readmeSettingsTableIsTheOneSettingsDescribes() throws IOException {
        Path readme = Path.of("..", "README.md");
        String text = Files.readString(readme, StandardCharsets.UTF_8);
        int begin = text.indexOf(BEGIN);
        int end = text.indexOf(END);
        assertTrue(begin >= 0 && end > begin, "README.md must hold the settings table between the lines\n"
                + BEGIN + "\nand\n" + END);
        String inReadme = text.substring(begin + BEGIN.length(), end).strip() + "\n";
        assertEquals(renderTable(), inReadme, "README.md's settings table differs from Settings.Setting; paste "
                + "this table between the markers:\n" + renderTable());
    }
}
