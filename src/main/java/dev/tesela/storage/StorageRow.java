package dev.tesela.storage;

import java.time.Instant;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * One row of a site's {@code storages} table, as stored: credentials sealed ({@link StorageCredentials}), never in
 * clear text here.
 *
 * @param id            the row's id (0 before it is inserted)
 * @param api           {@code local} or {@code s3}
 * @param bucket        the bucket's name, or for {@code local} the folder (an absolute path)
 * @param region        the bucket's region; empty for {@code local}
 * @param endpoint      the S3 service's URL; empty for AWS itself and for {@code local}
 * @param publicUrl     base URL its files are served from directly (ends in '/'); empty: through Tesela
 * @param keyPrefix     where its objects live in the bucket ({@code ""} or ending in '/')
 * @param keySealed     the access key, sealed and base64-encoded; empty when none
 * @param secretSealed  the secret key, sealed and base64-encoded; empty when none
 * @param capacityBytes empty for unlimited
 * @param forSiteFiles  it takes the site's own files (logo, avatars, covers); one row at most
 */
public record StorageRow(
        long id,
        String name,
        String api,
        String bucket,
        Optional<String> region,
        Optional<String> endpoint,
        Optional<String> publicUrl,
        String keyPrefix,
        Optional<String> keySealed,
        Optional<String> secretSealed,
        boolean pathStyle,
        boolean active,
        OptionalLong capacityBytes,
        long usedBytes,
        boolean forSiteFiles,
        Instant createdAt) {

    public boolean external() {
        return !Storage.LOCAL.equals(api);
    }

    @Override
    public String toString() {
        return "StorageRow[" + id + " " + name + " " + api + " " + bucket + "]";
    }
}
