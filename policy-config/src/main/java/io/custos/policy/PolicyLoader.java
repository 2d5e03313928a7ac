package io.custos.policy;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.ReaderException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.Node;

/**
 * Loads and validates a policy file. The YAML is composed to a node tree, not bound to objects, so every problem can
 * name the line and column it is about; validation goes on after the first problem and reports all of them in one
 * {@link PolicyException}.
 *
 * <p>The format is described in {@code docs/policy-reference.md}.
 */
public final class PolicyLoader {
    private static final int VERSION_HEX_CHARS = 12;
    private static final char BYTE_ORDER_MARK = '\uFEFF';

    private PolicyLoader() {}

    /**
     * Loads the policy in {@code file}. Relative paths in it (secret files, the audit file) are resolved against the
     * file's directory.
     *
     * @throws PolicyException listing every problem, when the file cannot be read or is not a valid policy
     */
    public static Policy load(Path file) {
        requireNonNull(file, "file is null");
        Path fileName = file.getFileName();
        String source = fileName == null ? file.toString() : fileName.toString();

        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new PolicyException(
                    List.of(Problem.unpositioned(source, "policy file '" + file + "' does not exist")));
        } catch (IOException e) {
            throw new PolicyException(
                    List.of(Problem.unpositioned(source, "cannot read policy file '" + file + "': " + e.getMessage())));
        }

        String text;
        try {
            text = StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new PolicyException(List.of(Problem.unpositioned(source, "policy file is not valid UTF-8")));
        }
        Path directory = file.toAbsolutePath().getParent();
        return parse(text, source, directory, version(bytes));
    }

    /**
     * Parses policy text. {@code sourceName} names it in problems; relative paths in it are resolved against
     * {@code baseDirectory}. The version is the digest of the text's UTF-8 bytes.
     *
     * @throws PolicyException listing every problem
     */
    public static Policy parse(String yamlText, String sourceName, Path baseDirectory) {
        requireNonNull(yamlText, "yamlText is null");
        return parse(yamlText, sourceName, baseDirectory, version(yamlText.getBytes(StandardCharsets.UTF_8)));
    }

    /** The first 12 hex characters of the SHA-256 of the policy file's bytes. */
    public static String version(byte[] bytes) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(bytes);
            return HexFormat.of().formatHex(digest).substring(0, VERSION_HEX_CHARS);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    private static Policy parse(String text, String sourceName, Path baseDirectory, String version) {
        requireNonNull(sourceName, "sourceName is null");
        requireNonNull(baseDirectory, "baseDirectory is null");
        Problems problems = new Problems(sourceName);

        String document = !text.isEmpty() && text.charAt(0) == BYTE_ORDER_MARK ? text.substring(1) : text;
        Optional<Node> root = compose(document, sourceName, problems);
        if (root.isEmpty()) {
            if (problems.isEmpty()) {
                problems.addUnpositioned("policy file is empty");
            }
            throw new PolicyException(problems.sorted());
        }

        Optional<Policy> policy = new PolicyParser(problems, baseDirectory).parse(root.get(), version);
        if (!problems.isEmpty() || policy.isEmpty()) {
            throw new PolicyException(problems.sorted());
        }
        return policy.get();
    }

    private static Optional<Node> compose(String text, String sourceName, Problems problems) {
        LoadSettings settings = LoadSettings.builder().setLabel(sourceName).build();
        try {
            return new Compose(settings).composeString(text);
        } catch (MarkedYamlEngineException e) {
            String problem = e.getProblem() == null ? e.getContext() : e.getProblem();
            problems.add(e.getProblemMark().or(e::getContextMark), "invalid YAML: " + problem);
        } catch (ReaderException e) {
            int[] position = lineAndColumn(text, e.getPosition());
            problems.add(
                    position[0],
                    position[1],
                    "invalid YAML: " + e.getMessage() + " (code point " + String.format("U+%04X", e.getCodePoint())
                            + ")");
        } catch (YamlEngineException e) {
            problems.addUnpositioned("invalid YAML: " + e.getMessage());
        }
        return Optional.empty();
    }

    /** The 1-based line and column of a code point index, as the reader counts it. */
    private static int[] lineAndColumn(String text, int codePointIndex) {
        int line = 1;
        int column = 1;
        int index = 0;
        for (int offset = 0; offset < text.length() && index < codePointIndex; index++) {
            int codePoint = text.codePointAt(offset);
            offset += Character.charCount(codePoint);
            if (codePoint == '\n') {
                line++;
                column = 1;
            } else {
                column++;
            }
        }
        return new int[] {line, column};
    }
}
