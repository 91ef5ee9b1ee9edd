package dev.tesela.architecture.planted.storage;

/** A port the platform may use. */
public interface BlobPort {
    void put(String key);
}
