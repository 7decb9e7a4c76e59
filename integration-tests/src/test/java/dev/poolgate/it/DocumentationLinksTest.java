package dev.poolgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every link between the repository's Markdown files (README.md, docs/, each module's README)
 * leads to a file of the repository: a clone carries its own documentation and spec, so no
 * relative link may point outside it or at a file that is gone.
 */
class DocumentationLinksTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Pattern LINK = Pattern.compile("\\]\\(([^)\\s#]*)(#[^)\\s]*)?\\)");

    private static List<Path> markdownFiles() throws IOException {
        try (Stream<Path> files = Files.walk(ROOT)) {
            return files.filter(path -> path.toString().endsWith(".md"))
                    .filter(path -> !ROOT.relativize(path).toString().contains("target"))
                    .filter(path -> !ROOT.relativize(path).startsWith(".git"))
                    .filter(path -> !ROOT.relativize(path).startsWith("node_modules"))
                    .toList();
        }
    }

    @Test
    void everyRelativeLinkLeadsToAFileOfTheRepository() throws IOException {
        List<Path> files = markdownFiles();
        assertTrue(files.contains(ROOT.resolve("README.md")), "README.md not found under " + ROOT);
        List<String> broken = new ArrayList<>();
        for (Path file : files) {
            String text = read(file);
            Matcher matcher = LINK.matcher(text);
            while (matcher.find()) {
                String target = matcher.group(1);
                if (target.isEmpty() || target.matches("[a-z]+:.*")) {
                    continue; // an anchor in the same file, or a URL (mailto:, https:)
                }
                Path resolved = target.startsWith("/")
                        ? ROOT.resolve(target.substring(1)).normalize()
                        : file.getParent().resolve(target).normalize();
                if (!resolved.startsWith(ROOT)) {
                    broken.add(ROOT.relativize(file) + ": " + target + " leaves the repository");
                } else if (!Files.exists(resolved)) {
                    broken.add(ROOT.relativize(file) + ": " + target + " does not exist");
                }
            }
        }
        assertEquals(List.of(), broken, "links to fix (write them relative to the file, or from the root as /docs/...)");
    }

    @Test
    void theReadmeFitsOnAFewScreens() throws IOException {
        long bytes = Files.size(ROOT.resolve("README.md"));
        assertTrue(bytes <= 13 * 1024, "README.md has " + bytes + " bytes; move details to docs/ and link them");
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
