package dev.tesela.media;

import java.nio.file.Path;

/**
 * An upload written to a private temp file, with the digests computed on the way in.
 *
 * @param path         the temp file; the pipeline deletes it when the upload ends, whatever the outcome
 * @param byteSize     bytes written
 * @param sha256       lower-case hex of the content
 * @param md5          lower-case hex of the content
 * @param clientName   file name the client gave, or null
 * @param declaredType MIME type the client declared, or null
 */
record ReceivedFile(Path path, long byteSize, String sha256, String md5, String clientName, String declaredType) {}
