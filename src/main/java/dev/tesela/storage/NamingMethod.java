package dev.tesela.storage;

import java.util.Locale;

/** How an upload's file is named (setting {@code upload_filenaming}); see {@link FileNaming}. */
public enum NamingMethod {
    /** The sanitised client file name; on collision the {@link #MIXED} form. */
    ORIGINAL,
    /** 32 random lowercase hex characters. */
    RANDOM,
    /** The sanitised client file name, shortened if needed, then '-' and 16 random lowercase hex characters. */
    MIXED,
    /** The file's encoded public id. */
    ID;

    /** The value stored in settings ({@code original}, {@code random}, {@code mixed}, {@code id}). */
    public String setting() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The method a setting value names; IllegalArgumentException for null or anything else. */
    public static NamingMethod fromSetting(String value) {
        for (NamingMethod method : values()) {
            if (method.setting().equals(value)) {
                return method;
            }
        }
        throw new IllegalArgumentException("unknown file naming method: " + value + " (original, random, mixed or id)");
    }
}
