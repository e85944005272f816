package org.ecbridge.config;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * Secrets that the bridge generates on first start when none is configured: random hex written once into a file
 * of the data folder, readable by its owner only. The secret itself is never logged.
 */
public final class SecretFiles {

    private static final SecureRandom RANDOM = new SecureRandom();

    private SecretFiles() {
    }

    /**
     * Returns the secret stored in {@code file}, generating {@code randomBytes} random bytes as hex into it when
     * the file does not exist yet.
     *
     * @param setting the setting that replaces the file, named in the error message
     */
    public static String readOrCreate(Path file, int randomBytes, String setting) {
        try {
            if (Files.exists(file)) {
                return read(file, setting);
            }
            byte[] random = new byte[randomBytes];
            RANDOM.nextBytes(random);
            String secret = HexFormat.of().formatHex(random);
            write(file, secret);
            return secret;
        } catch (FileAlreadyExistsException e) {
            return read(file, setting);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read or create the secret file " + file + "; set " + setting
                    + " instead", e);
        }
    }

    private static String read(Path file, String setting) {
        try {
            String secret = Files.readString(file, StandardCharsets.UTF_8).trim();
            if (secret.isEmpty()) {
                throw new IllegalStateException("The secret file " + file + " is empty; delete it so a new secret "
                        + "is generated, or set " + setting);
            }
            return secret;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the secret file " + file + "; set " + setting + " instead",
                    e);
        }
    }

    /** Creates the file with owner-only permissions before the secret is written into it. */
    private static void write(Path file, String secret) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        try {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException e) {
            Files.createFile(file);
        }
        Files.writeString(file, secret + "\n", StandardCharsets.UTF_8, StandardOpenOption.TRUNCATE_EXISTING);
    }
}
