package dev.tesela.storage;

import java.util.Locale;

/** Which folder an upload's files go to (setting {@code upload_storage_mode}); see {@link FileNaming}. */
public enum StorageMode {
    /** {@code YYYY/MM/DD/} of the upload date (UTC). */
    DATEFOLDER,
    /** No folder: keys are bare file names. */
    DIRECT;

    /** The value stored in settings ({@code datefolder}, {@code direct}). */
    public String setting() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The mode a setting value names; IllegalArgumentException for null or anything else, including Chevereto's
     * legacy {@code old} and {@code path} modes, which Tesela does not write.
     */
    public static StorageMode fromSetting(String value) {
        for (StorageMode mode : values()) {
            if (mode.setting().equals(value)) {
                return mode;
            }
        }
        throw new IllegalArgumentException("unknown storage mode: " + value + " (datefolder or direct)");
    }
}
