package org.jzeo.api;

/** A storage file is damaged in a way the storage cannot repair on its own. */
public class CorruptedDataError extends StorageException {
    private static final long serialVersionUID = 1L;
    private final long position;

    /** @param message what is wrong @param position the file offset, or -1 */
    public CorruptedDataError(String message, long position) {
        super(position >= 0 ? message + " at " + position : message);
        this.position = position;
    }

    /** The file offset of the damage, or -1 when unknown. */
    public long position() {
        return position;
    }

    @Override
    public String pythonClassName() {
        return "ZODB.FileStorage.FileStorage.CorruptedDataError";
    }
}
