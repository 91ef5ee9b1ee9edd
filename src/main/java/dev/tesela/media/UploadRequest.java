package dev.tesela.media;

/**
 * One upload as a client asked for it. Every text field is raw client input (may be null or blank) and is
 * validated by {@link MediaService#upload}.
 *
 * @param albumId    encoded public id of one of the uploader's albums
 * @param expiration ISO-8601 duration (PT5M, P3D, P1M) or a number of seconds
 * @param width      resize the image to this width on upload (never enlarged)
 */
public record UploadRequest(
        UploadSource source,
        String title,
        String description,
        String tags,
        String albumId,
        String categoryId,
        String width,
        String expiration,
        String nsfw,
        boolean viaApi) {}
