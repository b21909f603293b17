package org.jzeo.api;

import java.nio.charset.StandardCharsets;

/**
 * What a transaction says about itself: user, description and the extension (a protocol-3
 * pickle of a dict, or empty when the dict is empty). All three are raw bytes, as stored in a
 * Data.fs and sent on the wire; each is at most 65535 bytes in a FileStorage.
 *
 * @param user        the user name bytes (ZODB.DB prefixes it with {@code "/ "})
 * @param description the description bytes (UTF-8 in practice)
 * @param extension   the pickled extension dict, or an empty array
 */
public record TransactionMetaData(byte[] user, byte[] description, byte[] extension) {
    /** Empty user, description and extension. */
    public static final TransactionMetaData EMPTY = new TransactionMetaData(new byte[0], new byte[0], new byte[0]);

    /** Null fields become empty arrays. */
    public TransactionMetaData {
        user = user == null ? new byte[0] : user;
        description = description == null ? new byte[0] : description;
        extension = extension == null ? new byte[0] : extension;
    }

    /** User and description from text (UTF-8), no extension. */
    public static TransactionMetaData of(String user, String description) {
        return new TransactionMetaData(user.getBytes(StandardCharsets.UTF_8),
                description.getBytes(StandardCharsets.UTF_8), new byte[0]);
    }

    /** The user as UTF-8 text (invalid bytes replaced). */
    public String userText() {
        return new String(user, StandardCharsets.UTF_8);
    }

    /** The description as UTF-8 text (invalid bytes replaced). */
    public String descriptionText() {
        return new String(description, StandardCharsets.UTF_8);
    }
}
